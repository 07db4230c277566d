//! Roles of admin accounts: a new account is an owner, a role is set and read back, a
//! password change keeps it, and an unknown account has none.

use std::sync::Arc;

use quietlist::domain::Role;
use quietlist::store::Store;

use crate::fixtures::*;

contract! {
    a_new_account_is_an_owner_until_its_role_is_set,
    a_new_password_keeps_the_role,
    an_unknown_account_has_no_role,
}

async fn a_new_account_is_an_owner_until_its_role_is_set(store: Arc<dyn Store>) {
    store
        .admin_upsert(index(1), sealed(1), "h".into(), T0)
        .await
        .unwrap();
    let (id, _) = store.admin_credentials(index(1)).await.unwrap().unwrap();
    assert_eq!(store.admin_role(id).await.unwrap(), Some(Role::Owner));
    assert_eq!(store.admins().await.unwrap()[0].role, Role::Owner);
    for (before, after) in [
        (Role::Owner, Role::Viewer),
        (Role::Viewer, Role::Editor),
        (Role::Editor, Role::Editor),
    ] {
        assert_eq!(
            store.admin_set_role(id, after).await.unwrap(),
            Some(before),
            "the role before"
        );
        assert_eq!(store.admin_role(id).await.unwrap(), Some(after));
        assert_eq!(store.admins().await.unwrap()[0].role, after);
    }
}

async fn a_new_password_keeps_the_role(store: Arc<dyn Store>) {
    store
        .admin_upsert(index(1), sealed(1), "h1".into(), T0)
        .await
        .unwrap();
    let (id, _) = store.admin_credentials(index(1)).await.unwrap().unwrap();
    store.admin_set_role(id, Role::Viewer).await.unwrap();
    store
        .admin_upsert(index(1), sealed(1), "h2".into(), T0 + 1)
        .await
        .unwrap();
    assert!(
        store
            .admin_set_password(index(1), "h3".into(), T0 + 2)
            .await
            .unwrap()
    );
    assert_eq!(store.admin_role(id).await.unwrap(), Some(Role::Viewer));
}

async fn an_unknown_account_has_no_role(store: Arc<dyn Store>) {
    assert_eq!(store.admin_role(42).await.unwrap(), None);
    assert_eq!(store.admin_set_role(42, Role::Owner).await.unwrap(), None);
    store
        .admin_upsert(index(1), sealed(1), "h".into(), T0)
        .await
        .unwrap();
    let (id, _) = store.admin_credentials(index(1)).await.unwrap().unwrap();
    assert!(store.admin_remove(index(1)).await.unwrap());
    assert_eq!(store.admin_role(id).await.unwrap(), None, "removed");
}
