//! An export guards cells a spreadsheet would run as formulas with a leading `'`; an
//! import of that export must give back the very addresses and names, not `'`-prefixed
//! ones (which would be other addresses).

use quietlist::privacy::{MasterKey, SealedKind, Vault};

use crate::helpers::*;

/// (email, name) of everyone on the list, read through the store (of either backend)
/// and decrypted with the data directory's key.
async fn people(data_dir: &std::path::Path) -> Vec<(String, String)> {
    let key = std::fs::read_to_string(data_dir.join("secret.key")).unwrap();
    let vault = Vault::new(&MasterKey::parse(&key).unwrap()).unwrap();
    let settings = quietlist::store::DatabaseSettings {
        url: database_url_for(data_dir).map(secrecy::SecretString::from),
        ..Default::default()
    };
    let store = quietlist::store::open(&settings, data_dir).await.unwrap();
    let mut rx = store.export(LIST).await.unwrap();
    let mut rows = Vec::new();
    while let Some(row) = rx.recv().await {
        let row = row.unwrap();
        rows.push((
            vault
                .open_email(&row.email_sealed)
                .unwrap()
                .as_str()
                .to_owned(),
            row.name_sealed
                .map(|n| vault.open_string(SealedKind::Name, &n).unwrap())
                .unwrap_or_default(),
        ));
    }
    rows.sort();
    rows
}

#[tokio::test]
async fn an_export_with_formula_guarded_cells_imports_back_to_itself() {
    let app = spawn_app().await;
    for (email, name) in [
        ("-dash@example.org", "=SUM(A1:A9)"),
        ("+plus@example.org", "-Ada"),
        ("=equals@example.org", "'Tis the season"),
        ("plain@example.org", "@home"),
        ("other@example.org", "+1 555 0100"),
    ] {
        let response = app
            .post_signup_form(LIST, &[("email", email), ("name", name)])
            .await;
        assert_eq!(response.status().as_u16(), 303, "{email}");
    }
    let before = people(&app.data_dir).await;
    assert_eq!(before.len(), 5);
    let csv = app.export_csv(LIST);
    assert!(
        csv.contains("'=SUM(A1:A9)"),
        "the export guards formulas:\n{csv}"
    );

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &csv).unwrap();
    let other = spawn_app().await;
    let out = quietlist_command_on(&other.data_dir)
        .args(["import", LIST])
        .arg(file.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(people(&other.data_dir).await, before);
}
