//! A password in an `smtp://` URL without TLS would cross the network in clear.

use super::{Start, serve};

#[test]
fn an_smtp_url_with_a_password_and_no_tls_refuses_to_start_and_names_the_way_out() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let url = (
        "QUIETLIST_SMTP_URL",
        "smtp://user:secret-pass@127.0.0.1:2525",
    );
    match serve(&data, &[url]) {
        Start::Refused { code, stderr } => {
            assert_ne!(code, Some(0));
            assert!(stderr.contains("tls=none"), "it printed:\n{stderr}");
            assert!(stderr.contains("tls=required"), "it printed:\n{stderr}");
            assert!(
                !stderr.contains("secret-pass"),
                "the password is not printed"
            );
        }
        Start::Served => panic!("quietlist started with a password to be sent in clear"),
    }
    // Saying so explicitly is the owner's choice (a relay on the same machine).
    let explicit = (
        "QUIETLIST_SMTP_URL",
        "smtp://user:secret-pass@127.0.0.1:2525?tls=none",
    );
    assert!(matches!(serve(&data, &[explicit]), Start::Served));
}
