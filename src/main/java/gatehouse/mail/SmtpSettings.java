package gatehouse.mail;

/**
 * The SMTP server emails go through; null when GATEHOUSE_SMTP_HOST is unset (emails are then
 * written to the log). STARTTLS is required unless turned off, so credentials and links never
 * cross the network in the clear by default.
 */
public record SmtpSettings(String host, int port, String username, String password, String from, boolean startTls) {
    @Override
    public String toString() {
        return "SmtpSettings[host=" + host + ", port=" + port + ", username=" + username + ", from=" + from
                + ", startTls=" + startTls + "]";
    }
}
