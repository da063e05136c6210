package gatehouse.mail;

import jakarta.mail.Authenticator;
import jakarta.mail.Message;
import jakarta.mail.PasswordAuthentication;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Clock;
import java.util.Date;
import java.util.Properties;

/** Sends through the configured SMTP server (Angus Mail), with short timeouts so a dead server cannot pile up threads. */
public final class SmtpMailer implements Mailer {
    private static final String TIMEOUT_MILLIS = "10000";

    private final Session session;
    private final InternetAddress from;
    private final Clock clock;

    public SmtpMailer(SmtpSettings smtp, Clock clock) {
        this.clock = clock;
        var props = new Properties();
        props.put("mail.transport.protocol", "smtp");
        props.put("mail.smtp.host", smtp.host());
        props.put("mail.smtp.port", Integer.toString(smtp.port()));
        props.put("mail.smtp.connectiontimeout", TIMEOUT_MILLIS);
        props.put("mail.smtp.timeout", TIMEOUT_MILLIS);
        props.put("mail.smtp.writetimeout", TIMEOUT_MILLIS);
        props.put("mail.smtp.starttls.enable", Boolean.toString(smtp.startTls()));
        props.put("mail.smtp.starttls.required", Boolean.toString(smtp.startTls()));
        props.put("mail.smtp.ssl.checkserveridentity", "true");
        props.put("mail.smtp.auth", Boolean.toString(smtp.username() != null));
        Authenticator authenticator = smtp.username() == null ? null : new Authenticator() {
            @Override
            protected PasswordAuthentication getPasswordAuthentication() {
                return new PasswordAuthentication(smtp.username(), smtp.password());
            }
        };
        this.session = Session.getInstance(props, authenticator);
        try {
            this.from = new InternetAddress(smtp.from(), true);
        } catch (jakarta.mail.internet.AddressException e) {
            throw new IllegalArgumentException("GATEHOUSE_SMTP_FROM is not a valid address: " + e.getMessage(), e);
        }
    }

    @Override
    public void send(Email email) throws Exception {
        var message = new MimeMessage(session);
        message.setFrom(from);
        message.setRecipient(Message.RecipientType.TO, new InternetAddress(email.to(), true));
        message.setSubject(email.subject(), "UTF-8");
        message.setText(email.text(), "UTF-8");
        message.setSentDate(Date.from(clock.instant()));
        Transport.send(message);
    }
}
