package gatehouse.tokens;

/**
 * Group commit of service tokens (docs/architecture.md, "Group commit"): whether concurrent
 * client-credentials service tokens share one INSERT and one commit, how many at most, and how many
 * flushers write batches side by side (each holds a database connection while it writes).
 */
public record GroupCommitSettings(boolean enabled, int maxBatch, int flushers) {
    public static final int DEFAULT_MAX_BATCH = 256;
    public static final int DEFAULT_FLUSHERS = 2;

    /** Every token written alone, as before group commit. */
    public static final GroupCommitSettings OFF = new GroupCommitSettings(false, 1, 1);

    public GroupCommitSettings {
        if (maxBatch < 1 || flushers < 1) {
            throw new IllegalArgumentException("maxBatch and flushers must be positive");
        }
    }
}
