package gatehouse.orgs;

import gatehouse.store.PageRequest;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.mapper.reflect.ConstructorMapper;

/** Organizations and their memberships. */
public final class OrgRepository {
    private static final RowMapper<Organization> ORG = ConstructorMapper.of(Organization.class);
    private static final RowMapper<Membership> MEMBER = ConstructorMapper.of(Membership.class);

    /** Inserts the organization; false when the slug is taken. */
    public boolean insert(Handle handle, Organization org) {
        return handle.createUpdate("""
                        INSERT INTO organizations (id, name, slug, created_by, created_at)
                        VALUES (:id, :name, :slug, :createdBy, :createdAt) ON CONFLICT (slug) DO NOTHING""")
                .bindMethods(org)
                .execute() == 1;
    }

    public Optional<Organization> find(Handle handle, UUID id) {
        return handle.createQuery("SELECT id, name, slug, created_by, created_at FROM organizations WHERE id = :id")
                .bind("id", id)
                .map(ORG)
                .findOne();
    }

    public Optional<Organization> findBySlug(Handle handle, String slug) {
        return handle.createQuery("SELECT id, name, slug, created_by, created_at FROM organizations WHERE slug = :slug")
                .bind("slug", slug)
                .map(ORG)
                .findOne();
    }

    public List<Organization> listAll(Handle handle, PageRequest page) {
        return handle.createQuery("""
                        SELECT id, name, slug, created_by, created_at FROM organizations
                        WHERE id > :after ORDER BY id LIMIT :limit""")
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(ORG)
                .list();
    }

    public List<Organization> listForUser(Handle handle, UUID userId, PageRequest page) {
        return handle.createQuery("""
                        SELECT o.id, o.name, o.slug, o.created_by, o.created_at
                        FROM organizations o JOIN memberships m ON m.organization_id = o.id
                        WHERE m.user_id = :userId AND o.id > :after ORDER BY o.id LIMIT :limit""")
                .bind("userId", userId)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(ORG)
                .list();
    }

    /** Organizations where the user holds one of {@code roles}, oldest first. */
    public List<Organization> listWithRole(Handle handle, UUID userId, List<String> roles) {
        return handle.createQuery("""
                        SELECT o.id, o.name, o.slug, o.created_by, o.created_at
                        FROM organizations o JOIN memberships m ON m.organization_id = o.id
                        WHERE m.user_id = :userId AND m.role = ANY (:roles) ORDER BY o.id""")
                .bind("userId", userId)
                .bind("roles", roles.toArray(String[]::new))
                .map(ORG)
                .list();
    }

    /** Locks the organization's row until the transaction ends: membership changes queue up. */
    public boolean lock(Handle handle, UUID orgId) {
        return handle.createQuery("SELECT 1 FROM organizations WHERE id = :id FOR UPDATE")
                .bind("id", orgId)
                .mapTo(Integer.class)
                .findOne()
                .isPresent();
    }

    public Optional<String> roleOf(Handle handle, UUID orgId, UUID userId) {
        return handle.createQuery("SELECT role FROM memberships WHERE organization_id = :orgId AND user_id = :userId")
                .bind("orgId", orgId)
                .bind("userId", userId)
                .mapTo(String.class)
                .findOne();
    }

    /** Adds the membership; false when the user is already a member. */
    public boolean addMember(Handle handle, Membership membership) {
        return handle.createUpdate("""
                        INSERT INTO memberships (organization_id, user_id, role, created_at)
                        VALUES (:organizationId, :userId, :role, :createdAt) ON CONFLICT DO NOTHING""")
                .bindMethods(membership)
                .execute() == 1;
    }

    public List<Membership> listMembers(Handle handle, UUID orgId, PageRequest page) {
        return handle.createQuery("""
                        SELECT m.organization_id, m.user_id, u.username, m.role, m.created_at
                        FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE m.organization_id = :orgId AND m.user_id > :after ORDER BY m.user_id LIMIT :limit""")
                .bind("orgId", orgId)
                .bind("after", page.after())
                .bind("limit", page.fetchSize())
                .map(MEMBER)
                .list();
    }

    public Optional<Membership> findMember(Handle handle, UUID orgId, UUID userId) {
        return handle.createQuery("""
                        SELECT m.organization_id, m.user_id, u.username, m.role, m.created_at
                        FROM memberships m JOIN users u ON u.id = m.user_id
                        WHERE m.organization_id = :orgId AND m.user_id = :userId""")
                .bind("orgId", orgId)
                .bind("userId", userId)
                .map(MEMBER)
                .findOne();
    }

    public int countOwners(Handle handle, UUID orgId) {
        return handle.createQuery("SELECT count(*) FROM memberships WHERE organization_id = :orgId AND role = 'owner'")
                .bind("orgId", orgId)
                .mapTo(Integer.class)
                .one();
    }

    public boolean removeMember(Handle handle, UUID orgId, UUID userId) {
        return handle.createUpdate("DELETE FROM memberships WHERE organization_id = :orgId AND user_id = :userId")
                .bind("orgId", orgId)
                .bind("userId", userId)
                .execute() == 1;
    }

    public boolean changeRole(Handle handle, UUID orgId, UUID userId, String role) {
        return handle.createUpdate("UPDATE memberships SET role = :role WHERE organization_id = :orgId AND user_id = :userId")
                .bind("orgId", orgId)
                .bind("userId", userId)
                .bind("role", role)
                .execute() == 1;
    }
}
