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

    /** {@code production}: the issuer is https, so links in the log are a real account-takeover risk. */
    public LogMailer(boolean production) {
        if (production) {
            log.warn("GATEHOUSE_SMTP_HOST is not set: verification and password-reset links will be written to "
                    + "the log, where anyone who reads it can use them; configure SMTP");
        }
    }

    @Override
    public void send(Email email) {
        log.info("SMTP is not configured (GATEHOUSE_SMTP_HOST), so this email to {} was not sent:\nSubject: {}\n\n{}",
                email.to(), email.subject(), email.text());
    }
}
