//! A symbolic link in the site folder that leads out of it is refused: the folder is what
//! the owner publishes, and a link must not publish a file from elsewhere on the machine.

use quietlist::config::Config;
use quietlist::startup::Application;

use crate::helpers::*;

fn copy_demo_site_with_static(to: &std::path::Path) {
    copy_demo_site(to);
    std::fs::create_dir_all(to.join("static")).unwrap();
}

async fn build(site: &std::path::Path, data: &std::path::Path) -> anyhow::Result<Application> {
    let mut config = Config::new(data.to_path_buf());
    config.listen = "127.0.0.1:0".parse().unwrap();
    config.site_dir = Some(site.to_path_buf());
    Application::build(config).await
}

#[tokio::test]
async fn a_link_out_of_the_site_folder_is_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_demo_site_with_static(&site);
    let outside = dir.path().join("outside.txt");
    std::fs::write(&outside, "NOT FOR PUBLICATION").unwrap();
    std::os::unix::fs::symlink(&outside, site.join("static/leak.txt")).unwrap();

    match build(&site, &dir.path().join("data")).await {
        Ok(app) => {
            let address = format!("http://{}/static/leak.txt", app.local_addr());
            tokio::spawn(app.run_until(std::future::pending()));
            let body = reqwest::get(address).await.unwrap().text().await.unwrap();
            panic!("the site loaded; /static/leak.txt served {body:?}");
        }
        Err(e) => {
            let message = format!("{e:#}");
            assert!(message.contains("leak.txt"), "{message}");
            assert!(message.contains("outside the site folder"), "{message}");
        }
    }
}

#[tokio::test]
async fn a_link_inside_the_site_folder_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("site");
    copy_demo_site_with_static(&site);
    std::fs::write(site.join("static/real.txt"), "published").unwrap();
    // A relative link, as `ln -s real.txt static/alias.txt` makes.
    std::os::unix::fs::symlink("real.txt", site.join("static/alias.txt")).unwrap();
    let app = build(&site, &dir.path().join("data")).await.unwrap();
    let address = format!("http://{}/static/alias.txt", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    let response = reqwest::get(address).await.unwrap();
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.text().await.unwrap(), "published");
    let _ = LIST;
}
