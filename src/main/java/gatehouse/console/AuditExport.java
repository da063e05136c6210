package gatehouse.console;

import com.fasterxml.jackson.databind.JsonNode;
import gatehouse.audit.AuditEntry;
import gatehouse.web.Json;
import java.util.List;

/**
 * The audit log as CSV: one column per field of the API's entry (as {@code GET /api/v1/audit-logs}
 * writes it), {@code details} as its JSON text. A cell a spreadsheet would run as a formula
 * (starting with =, +, -, @, tab or carriage return) gets a leading apostrophe (OWASP "CSV injection").
 */
final class AuditExport {
    static final List<String> COLUMNS = List.of("id", "at", "action", "actor_type", "actor_id", "client_id",
            "organization_id", "ip", "user_agent", "outcome", "details");
    static final String CSV_HEADER = String.join(",", COLUMNS) + "\r\n";

    private AuditExport() {
    }

    static String csvRow(AuditEntry entry) {
        JsonNode json = Json.MAPPER.valueToTree(entry);
        StringBuilder row = new StringBuilder();
        for (String column : COLUMNS) {
            JsonNode value = json.get(column);
            row.append(row.isEmpty() ? "" : ",")
                    .append(cell(value == null || value.isNull() ? null : value.isValueNode() ? value.asText() : value.toString()));
        }
        return row.append("\r\n").toString();
    }

    static String cell(String value) {
        if (value == null) {
            return "";
        }
        String text = !value.isEmpty() && "=+-@\t\r".indexOf(value.charAt(0)) >= 0 ? "'" + value : value;
        if (text.contains(",") || text.contains("\"") || text.contains("\n") || text.contains("\r")) {
            return "\"" + text.replace("\"", "\"\"") + "\"";
        }
        return text;
    }
}
