package gatehouse.users;

import gatehouse.errors.OAuthError;
import gatehouse.errors.OAuthException;
import gatehouse.web.Bodies;
import gatehouse.web.FormParams;
import gatehouse.web.Pages;
import io.javalin.http.Context;

/**
 * The HTML pages the emailed links open: {@code /verify-email?token=…} and
 * {@code /reset-password?token=…}, plus {@code /reset-password} to ask for a link. Opening a link
 * only shows a page; the link is used when the form is posted, so a mail scanner that fetches
 * every link cannot spend it.
 */
public final class AccountPages {
    private static final int MAX_TOKEN = 100;
    private static final String BAD_LINK = "This link is invalid, has expired or was already used.";

    private final AccountEmails emails;
    private final Pages pages;
    private final FormCsrf csrf;

    public AccountPages(AccountEmails emails, Pages pages, FormCsrf csrf) {
        this.emails = emails;
        this.pages = pages;
        this.csrf = csrf;
    }

    /** GET /verify-email?token= */
    public void verifyEmailPage(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        String token = Bodies.query(ctx).get("token");
        if (token == null || token.length() > MAX_TOKEN) {
            pages.error(ctx, 400, "Link incomplete", "Open the whole link from the verification email.");
            return;
        }
        pages.render(ctx, 200, "verify-email.jte", new AccountPage(csrf.token(ctx), token, null));
    }

    /** POST /verify-email (the form) */
    public void verifyEmailForm(Context ctx) {
        FormParams form = postedForm(ctx, "verify-email.jte");
        if (form == null) {
            return;
        }
        try {
            User user = emails.verifyEmail(clip(form.get("token")));
            pages.render(ctx, 200, "message.jte", new Pages.Message("Email address verified",
                    user.username() + " is verified. You can close this page."));
        } catch (OAuthException e) {
            failed(ctx, e, "Verification failed");
        }
    }

    /** GET /reset-password[?token=] */
    public void resetPasswordPage(Context ctx) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        String token = Bodies.query(ctx).get("token");
        pages.render(ctx, 200, "reset-password.jte", new AccountPage(csrf.token(ctx), clip(token), null));
    }

    /** POST /reset-password (the form): asks for a link, or sets the new password. */
    public void resetPasswordForm(Context ctx) {
        FormParams form = postedForm(ctx, "reset-password.jte");
        if (form == null) {
            return;
        }
        String token = clip(form.get("token"));
        if (token == null) {
            requestLink(ctx, form.get("username"));
            return;
        }
        try {
            emails.resetPassword(token, form.get("new_password"));
            pages.render(ctx, 200, "message.jte", new Pages.Message("Password changed",
                    "Your password is changed and you are signed out everywhere. Sign in again with the new password."));
        } catch (OAuthException e) {
            if (e.error() == OAuthError.VALIDATION_FAILED) {
                pages.render(ctx, 400, "reset-password.jte", new AccountPage(csrf.token(ctx), token, e.description()));
                return;
            }
            failed(ctx, e, "Password reset failed");
        }
    }

    /** The posted form, or null after answering 403 with {@code template} when its CSRF token does not match. */
    private FormParams postedForm(Context ctx, String template) {
        ctx.attribute(Pages.HTML_ERRORS, true);
        FormParams form = Bodies.htmlForm(ctx);
        if (csrf.matches(ctx, form)) {
            return form;
        }
        pages.render(ctx, 403, template, new AccountPage(csrf.token(ctx), clip(form.get("token")),
                "The form expired. Please try again."));
        return null;
    }

    private void requestLink(Context ctx, String username) {
        if (username == null || username.isBlank() || username.length() > UserService.MAX_USERNAME) {
            pages.render(ctx, 400, "reset-password.jte", new AccountPage(csrf.token(ctx), null, "Enter your email address."));
            return;
        }
        emails.requestPasswordReset(username);
        pages.render(ctx, 200, "message.jte", new Pages.Message("Check your email",
                "If an account exists for that address, we sent it a link to choose a new password. The link works for one hour."));
    }

    private void failed(Context ctx, OAuthException e, String title) {
        if (e.error() != OAuthError.INVALID_GRANT && e.error() != OAuthError.VALIDATION_FAILED) {
            throw e;
        }
        pages.error(ctx, 400, title, BAD_LINK);
    }

    /** Anything longer than a token cannot be one; it is not echoed back into the page. */
    private static String clip(String token) {
        return token == null || token.length() > MAX_TOKEN ? null : token;
    }
}
