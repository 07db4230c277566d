//! An export guards cells a spreadsheet would run as formulas with a leading `'`; an
//! import of that export must give back the very addresses and names, not `'`-prefixed
//! ones (which would be other addresses).

use quietlist::privacy::{MasterKey, SealedKind, Vault};

use crate::helpers::*;

/// (email, name) of everyone on the list, decrypted from the database with its key.
fn people(data_dir: &std::path::Path) -> Vec<(String, String)> {
    let key = std::fs::read_to_string(data_dir.join("secret.key")).unwrap();
    let vault = Vault::new(&MasterKey::parse(&key).unwrap()).unwrap();
    let conn = rusqlite::Connection::open(data_dir.join("quietlist.sqlite3")).unwrap();
    let mut st = conn
        .prepare("SELECT email_sealed, name_sealed FROM subscribers WHERE list = ?1")
        .unwrap();
    let mut rows: Vec<(String, String)> = st
        .query_map([LIST], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Option<Vec<u8>>>(1)?))
        })
        .unwrap()
        .map(|row| {
            let (email, name) = row.unwrap();
            (
                vault.open_email(&email).unwrap().as_str().to_owned(),
                name.map(|n| vault.open_string(SealedKind::Name, &n).unwrap())
                    .unwrap_or_default(),
            )
        })
        .collect();
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
    let before = people(&app.data_dir);
    assert_eq!(before.len(), 5);
    let csv = app.export_csv(LIST);
    assert!(
        csv.contains("'=SUM(A1:A9)"),
        "the export guards formulas:\n{csv}"
    );

    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &csv).unwrap();
    let other = spawn_app().await;
    let out = quietlist_command()
        .args(["import", LIST])
        .arg(file.path())
        .envs(crate::helpers::store_env(&other.data_dir))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(people(&other.data_dir), before);
}
