package gatehouse.mail;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without SMTP (development), the email — link included — goes to the log so a developer can
 * still follow it. This is the one place a single-use link is logged, and only when no SMTP server
 * is configured.
 */
public final class LogMailer implements Mailer {
    private static final Logger log = LoggerFactory.getLogger(LogMailer.class);

    @Override
    public void send(Email email) {
        log.info("SMTP is not configured (GATEHOUSE_SMTP_HOST), so this email to {} was not sent:\nSubject: {}\n\n{}",
                email.to(), email.subject(), email.text());
    }
}
