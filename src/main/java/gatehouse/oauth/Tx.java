package gatehouse.oauth;

/**
 * One unit of work in progress: the stores a grant calls with it act together, committing or
 * rolling back as one. What it carries is the business of the store implementation that opened it.
 */
public interface Tx {
}
