package gatehouse.scopes;

import gatehouse.store.PageRequest;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** The scope catalog. */
public final class ScopeRepository {
    private static final RowMapper<Scope> MAPPER = ConstructorMapper.of(Scope.class);
    private static final String COLUMNS = "id, name, description, restricted, builtin, created_at, updated_at";

    /** Inserts the scope; false when the name is taken. */
    public boolean insert(Handle handle, Scope scope) {
        return handle.createUpdate("""
                        INSERT INTO scopes (id, name, description, restricted, builtin, created_at, updated_at)
                        VALUES (:id, :name, :description, :restricted, :builtin, :createdAt, :updatedAt)
                        ON CONFLICT (name) DO NOTHING""")
                .bindMethods(scope)
                .execute() == 1;
    }

    public Optional<Scope> find(Handle handle, UUID id) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM scopes WHERE id = :id")
                .bind("id", id)
                .map(MAPPER)
                .findOne();
    }

    public List<Scope> list(Handle handle, PageRequest page) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM scopes WHERE id > :after ORDER BY id LIMIT :limit")
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(MAPPER)
                .list();
    }

    public List<Scope> findByNames(Handle handle, Collection<String> names) {
        return handle.createQuery("SELECT " + COLUMNS + " FROM scopes WHERE name = ANY (:names)")
                .bind("names", names.toArray(String[]::new))
                .map(MAPPER)
                .list();
    }

    public List<String> allNames(Handle handle) {
        return handle.createQuery("SELECT name FROM scopes ORDER BY name").mapTo(String.class).list();
    }

    public void update(Handle handle, Scope scope) {
        handle.createUpdate("""
                        UPDATE scopes SET description = :description, restricted = :restricted, updated_at = :updatedAt
                        WHERE id = :id""")
                .bindMethods(scope)
                .execute();
    }

    public boolean inUse(Handle handle, String name) {
        return handle.createQuery("""
                        SELECT EXISTS (SELECT 1 FROM clients WHERE :name = ANY (scopes) OR :name = ANY (approved_scopes))""")
                .bind("name", name)
                .mapTo(Boolean.class)
                .one();
    }

    public void delete(Handle handle, UUID id) {
        handle.createUpdate("DELETE FROM scopes WHERE id = :id").bind("id", id).execute();
    }
}
