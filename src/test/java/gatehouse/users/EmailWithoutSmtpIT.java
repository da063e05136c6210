package gatehouse.users;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import gatehouse.mail.LogMailer;
import gatehouse.testing.Fixtures;
import gatehouse.testing.Http;
import gatehouse.testing.TestServer;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Without GATEHOUSE_SMTP_HOST (development), emails go to the log, and their links work from there. */
class EmailWithoutSmtpIT {
    @Test
    void signUpWithoutSmtpWritesTheVerificationLinkToTheLogAndTheLinkWorks() throws Exception {
        Logger logger = (Logger) LoggerFactory.getLogger(LogMailer.class);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        logger.addAppender(captured);
        String username = Fixtures.unique("devmail") + "@example.test";
        try {
            Http.Response created = Http.anonymous().postJson("/api/v1/users",
                    Map.of("username", username, "password", "pw-" + Fixtures.unique("secret")));
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (captured.list.stream().noneMatch(e -> e.getFormattedMessage().contains(username))
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } finally {
            logger.detachAppender(captured);
        }
        String logged = captured.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(message -> message.contains(username)).findFirst().orElseThrow();
        Matcher link = Pattern.compile(Pattern.quote(TestServer.get().issuer()) + "/verify-email\\?token=(\\S+)").matcher(logged);
        assertThat(link.find()).as(logged).isTrue();

        Http.Response verified = Http.anonymous().postJson("/api/v1/users/verify-email", Map.of("token", link.group(1)));
        assertThat(verified.status()).as(verified.body()).isEqualTo(200);
        assertThat(verified.json().get("email_verified").asBoolean()).isTrue();
    }
}
