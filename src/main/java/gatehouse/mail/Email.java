package gatehouse.mail;

/** One plain-text email to one recipient. The body may hold a single-use link: never log it outside development. */
public record Email(String to, String subject, String text) {
    @Override
    public String toString() {
        return "Email[to=" + to + ", subject=" + subject + "]";
    }
}
