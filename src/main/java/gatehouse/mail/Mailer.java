package gatehouse.mail;

/** Hands one email to whatever delivers it; throws when it could not. */
public interface Mailer {
    void send(Email email) throws Exception;
}
