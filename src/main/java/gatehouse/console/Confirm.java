package gatehouse.console;

import gatehouse.web.Pages;

/**
 * The model of confirm.jte: a destructive action spelled out (what stops working) before it is
 * done, so the console needs no JavaScript dialog. The button posts to {@code action}.
 */
public record Confirm(Pages.Nav nav, String title, String consequences, String action, String button, String cancel) {
}
