//! API keys in the store: a name is taken once, a key is found by its lookup prefix only,
//! its last use is recorded, and a revoked key is gone.

use std::sync::Arc;

use quietlist::store::{NewApiKey, Store};

use crate::fixtures::*;

contract! {
    a_key_is_found_by_its_lookup_and_a_name_is_taken_once,
    a_revoked_key_is_gone_and_its_name_free_again,
    the_last_use_is_recorded,
    a_key_keeps_its_maker_and_goes_with_the_makers_account,
}

fn key(name: &str, lookup: &str) -> NewApiKey {
    NewApiKey {
        name: name.into(),
        lookup: lookup.into(),
        key_hash: [7; 32],
        scopes: "lists:read,export".into(),
        created_at: 1_000,
        created_by: None,
    }
}

async fn a_key_is_found_by_its_lookup_and_a_name_is_taken_once(store: Arc<dyn Store>) {
    assert!(
        store
            .api_key_create(key("crm", "abcdefabcdef"))
            .await
            .unwrap()
    );
    assert!(
        !store
            .api_key_create(key("crm", "zzzzzzzzzzzz"))
            .await
            .unwrap()
    );
    let row = store
        .api_key_by_lookup("abcdefabcdef".into())
        .await
        .unwrap()
        .expect("the key");
    assert_eq!(row.name, "crm");
    assert_eq!(row.key_hash, vec![7; 32]);
    assert_eq!(row.scopes, "lists:read,export");
    assert_eq!(row.last_used_at, None);
    assert!(
        store
            .api_key_by_lookup("zzzzzzzzzzzz".into())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .api_key_create(key("shop", "bbbbbbbbbbbb"))
            .await
            .unwrap()
    );
    let names: Vec<String> = store
        .api_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(names, ["crm", "shop"]);
}

async fn a_revoked_key_is_gone_and_its_name_free_again(store: Arc<dyn Store>) {
    assert!(
        store
            .api_key_create(key("crm", "abcdefabcdef"))
            .await
            .unwrap()
    );
    assert!(store.api_key_revoke("crm".into()).await.unwrap());
    assert!(!store.api_key_revoke("crm".into()).await.unwrap());
    assert!(
        store
            .api_key_by_lookup("abcdefabcdef".into())
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.api_keys().await.unwrap().is_empty());
    assert!(
        store
            .api_key_create(key("crm", "cccccccccccc"))
            .await
            .unwrap()
    );
}

async fn the_last_use_is_recorded(store: Arc<dyn Store>) {
    assert!(
        store
            .api_key_create(key("crm", "abcdefabcdef"))
            .await
            .unwrap()
    );
    let id = store.api_keys().await.unwrap()[0].id;
    store.api_key_used(id, 5_000).await.unwrap();
    let row = store
        .api_key_by_lookup("abcdefabcdef".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.last_used_at, Some(5_000));
}

async fn a_key_keeps_its_maker_and_goes_with_the_makers_account(store: Arc<dyn Store>) {
    for n in [1, 2] {
        store
            .admin_upsert(index(n), sealed(n), "h".into(), T0)
            .await
            .unwrap();
    }
    let (b, _) = store.admin_credentials(index(1)).await.unwrap().unwrap();
    let (c, _) = store.admin_credentials(index(2)).await.unwrap().unwrap();
    for (name, lookup, maker) in [
        ("by-b", "bbbbbbbbbbbb", Some(b)),
        ("by-c", "cccccccccccc", Some(c)),
        ("at-the-shell", "ssssssssssss", None),
    ] {
        let made = NewApiKey {
            created_by: maker,
            ..key(name, lookup)
        };
        assert!(store.api_key_create(made).await.unwrap());
    }
    let makers: Vec<(String, Option<i64>)> = store
        .api_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| (k.name, k.created_by))
        .collect();
    assert_eq!(
        makers,
        [
            ("at-the-shell".to_owned(), None),
            ("by-b".to_owned(), Some(b)),
            ("by-c".to_owned(), Some(c)),
        ]
    );
    let row = store
        .api_key_by_lookup("bbbbbbbbbbbb".into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.created_by, Some(b));

    // Removing an account removes the keys it made, whoever removes it and how; the
    // others' keys and the command line's stay.
    assert!(store.admin_remove(index(1)).await.unwrap());
    assert!(
        store
            .api_key_by_lookup("bbbbbbbbbbbb".into())
            .await
            .unwrap()
            .is_none(),
        "a removed account's key still works"
    );
    let left: Vec<String> = store
        .api_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.name)
        .collect();
    assert_eq!(left, ["at-the-shell", "by-c"]);
}
