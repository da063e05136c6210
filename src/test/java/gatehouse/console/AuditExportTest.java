package gatehouse.console;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import gatehouse.audit.AuditEntry;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AuditExportTest {

    @Test
    void csvRowHasTheApiFieldsInHeaderOrderWithDetailsAsJson() {
        var details = JsonNodeFactory.instance.objectNode().put("scopes", "a b");
        var entry = new AuditEntry(UUID.fromString("01a241ed-1ccf-79f9-af89-0baf010742b9"),
                Instant.parse("2026-12-04T16:39:48.175Z"), "client.created", "user", "u-1", "app_1", null, "10.0.0.1",
                "curl/8", "success", details);

        assertThat(AuditExport.CSV_HEADER)
                .isEqualTo("id,at,action,actor_type,actor_id,client_id,organization_id,ip,user_agent,outcome,details\r\n");
        assertThat(AuditExport.csvRow(entry)).isEqualTo("01a241ed-1ccf-79f9-af89-0baf010742b9,2026-12-04T16:39:48.175Z,"
                + "client.created,user,u-1,app_1,,10.0.0.1,curl/8,success,\"{\"\"scopes\"\":\"\"a b\"\"}\"\r\n");
    }

    @Test
    void cellThatASpreadsheetWouldRunAsAFormulaIsDefused() {
        assertThat(AuditExport.cell("=HYPERLINK(\"x\")")).isEqualTo("\"'=HYPERLINK(\"\"x\"\")\"");
        assertThat(AuditExport.cell("+1")).isEqualTo("'+1");
        assertThat(AuditExport.cell("-1")).isEqualTo("'-1");
        assertThat(AuditExport.cell("@SUM")).isEqualTo("'@SUM");
        assertThat(AuditExport.cell("plain")).isEqualTo("plain");
        assertThat(AuditExport.cell("line\nbreak")).isEqualTo("\"line\nbreak\"");
        assertThat(AuditExport.cell(null)).isEmpty();
    }
}
