package gatehouse.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Provider definitions as data: the shipped ones load and match their schema; a bad one names its file and field. */
class ProviderDefinitionsTest {
    private static final Path SHIPPED = Path.of("src/main/resources/providers");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DAY = Duration.ofDays(1);

    @Test
    void everyShippedDefinitionLoadsAndTheIndexNamesThemAll() throws IOException {
        Map<String, ProviderDefinition> definitions = ProviderDefinitions.load(null, false, DAY);
        List<String> files;
        try (Stream<Path> listed = Files.list(SHIPPED)) {
            files = listed.map(file -> file.getFileName().toString())
                    .filter(name -> name.endsWith(".json") && !name.equals("provider.schema.json"))
                    .map(name -> name.substring(0, name.length() - 5)).sorted().toList();
        }
        assertThat(definitions.keySet()).containsExactlyInAnyOrderElementsOf(files);
        assertThat(definitions.keySet()).contains("google", "microsoft", "gitlab", "bitbucket", "linear", "notion", "asana",
                "hubspot", "salesforce", "zendesk", "dropbox", "figma", "github", "jira", "slack");
        assertThat(definitions.values().stream().filter(ProviderDefinition::isGeneric)).hasSizeGreaterThanOrEqualTo(12);
    }

    @Test
    void everyShippedDefinitionMatchesTheShippedJsonSchema() throws IOException {
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(Files.newInputStream(SHIPPED.resolve("provider.schema.json")));
        try (Stream<Path> listed = Files.list(SHIPPED)) {
            for (Path file : listed.filter(f -> f.toString().endsWith(".json") && !f.endsWith("provider.schema.json")).toList()) {
                assertThat(schema.validate(JSON.readTree(file.toFile()))).as(file.toString()).isEmpty();
            }
        }
    }

    @Test
    void theSchemaRefusesWhatTheLoaderRefuses() throws IOException {
        Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12)
                .getSchema(Files.newInputStream(SHIPPED.resolve("provider.schema.json")));
        ObjectNode typo = gitlab();
        typo.put("lookup_key", "organization_id");
        assertThat(schema.validate(typo)).isNotEmpty();
        assertThatThrownBy(() -> parse(typo)).hasMessageContaining("gitlab.json: lookup_key: is not a member");
    }

    @Test
    void aMissingRequiredFieldIsNamedWithItsFile() {
        ObjectNode definition = gitlab();
        ((ObjectNode) definition.get("token")).remove("url");
        assertThatThrownBy(() -> parse(definition)).isInstanceOf(ProviderDefinitions.InvalidDefinition.class)
                .hasMessage("gitlab.json: token.url: is required");
    }

    @Test
    void plainHttpUrlsAreRefusedUnlessAllowed() {
        ObjectNode definition = gitlab();
        ((ObjectNode) definition.get("bases")).put("auth", "http://gitlab.example");
        assertThatThrownBy(() -> parse(definition)).hasMessageStartingWith("gitlab.json: bases.auth: must be an https URL");
        assertThat(ProviderDefinitions.parse("gitlab.json", definition, true, DAY).bases().auth()).isEqualTo("http://gitlab.example");
    }

    @Test
    void aPlaceholderNothingDefinesIsRefused() {
        ObjectNode definition = gitlab();
        ((ObjectNode) definition.get("api")).put("base_url", "https://{tenant}.gitlab.example/api");
        assertThatThrownBy(() -> parse(definition)).hasMessageContaining("api.base_url: uses {tenant}");
    }

    @Test
    void theNameMustBeTheFileName() {
        assertThatThrownBy(() -> ProviderDefinitions.parse("other.json", gitlab(), false, DAY))
                .hasMessageContaining("other.json: name: must equal the file's name (other)");
    }

    @Test
    void aConnectionParameterCanNameTheTenantHost() {
        ProviderDefinition zendesk = ProviderDefinitions.load(null, false, DAY).get("zendesk");
        assertThat(zendesk.connectionParams()).containsKey("subdomain");
        assertThat(zendesk.apiBase(zendesk.bases(), Map.of("subdomain", "acme"), "42")).isEqualTo("https://acme.zendesk.com/api/v2");
    }

    @Test
    void jiraSendsItsCallsToTheConnectedSite() {
        ProviderDefinition jira = ProviderDefinitions.load(null, false, DAY).get("jira");
        assertThat(jira.apiBase(jira.bases(), Map.of(), "cloud-1")).isEqualTo("https://api.atlassian.com/ex/jira/cloud-1");
        assertThat(jira.externalKey()).isEqualTo("site_id");
    }

    @Test
    void aDefinitionInTheDirectoryReplacesTheShippedOneOfItsNameAndYamlIsRead(@TempDir Path directory) throws IOException {
        Files.writeString(directory.resolve("gitlab.yaml"), """
                name: gitlab
                display_name: GitLab (self-hosted)
                bases: {auth: "https://git.example.com", api: "https://git.example.com/api/v4"}
                authorization: {url: "{auth}/oauth/authorize", pkce: true}
                token: {url: "{auth}/oauth/token"}
                identity: {url: "{api}/user", id: /id, name: /username}
                api: {base_url: "{api}"}
                """);
        Map<String, ProviderDefinition> definitions = ProviderDefinitions.load(directory, false, DAY);
        assertThat(definitions.get("gitlab").displayName()).isEqualTo("GitLab (self-hosted)");
        assertThat(definitions).containsKey("google");
    }

    @Test
    void aBadFileInTheDirectoryStopsTheLoadNamingIt(@TempDir Path directory) throws IOException {
        Files.writeString(directory.resolve("acme.json"), "{\"name\": \"acme\", \"display_name\": \"Acme\"}");
        assertThatThrownBy(() -> ProviderDefinitions.load(directory, false, DAY))
                .hasMessage(directory.resolve("acme.json") + ": bases: is required");
    }

    private static ProviderDefinition parse(JsonNode definition) {
        return ProviderDefinitions.parse("gitlab.json", definition, false, DAY);
    }

    private static ObjectNode gitlab() {
        try {
            return (ObjectNode) JSON.readTree(SHIPPED.resolve("gitlab.json").toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
