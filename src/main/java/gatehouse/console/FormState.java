package gatehouse.console;

import gatehouse.errors.OAuthException;
import gatehouse.web.FormParams;
import java.util.List;

/**
 * A form as the person filled it in, and the API's {@code error_description} when the service
 * refused it. The message is shown next to the field it names (the descriptions start with the
 * member's name, as in {@code "name is required"}), or above the form when it names none.
 */
public record FormState(FormParams values, String field, String message) {
    private static final FormParams EMPTY = FormParams.parse("");

    public static FormState empty() {
        return new FormState(EMPTY, null, null);
    }

    public static FormState of(FormParams values) {
        return new FormState(values, null, null);
    }

    /** The form again with the refusal, placed at the first of {@code fields} the description starts with. */
    public static FormState refused(FormParams values, OAuthException e, List<String> fields) {
        String description = e.description();
        for (String name : fields) {
            if (description.startsWith(name + " ") || description.startsWith(name + ":")
                    || description.startsWith(name + ",")) {
                return new FormState(values, name, description);
            }
        }
        return new FormState(values, null, description);
    }

    /** Same, for a refusal that belongs to one known field. */
    public static FormState refusedAt(FormParams values, String field, String message) {
        return new FormState(values, field, message);
    }

    /** The value sent for {@code name}, or "" (for the value attribute). */
    public String value(String name) {
        String value = values.get(name);
        return value == null ? "" : value;
    }

    /** The value sent for {@code name}, or {@code fallback} when the form was not posted yet. */
    public String value(String name, String fallback) {
        return values.has(name) || message != null ? value(name) : fallback;
    }

    public boolean checked(String name, String option) {
        return values.all(name).contains(option);
    }

    /** The message for {@code name}'s field, or null. */
    public String errorFor(String name) {
        return name.equals(field) ? message : null;
    }

    /** The message that belongs to no field, or null. */
    public String general() {
        return field == null ? message : null;
    }

    /** The id of the field's error element, for aria-describedby, or null when the field has none. */
    public String describedBy(String name) {
        return name.equals(field) ? name + "-error" : null;
    }
}
