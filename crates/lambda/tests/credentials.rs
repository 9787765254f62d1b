//! Earthdata temporary S3 credentials against a loopback DAAC + login host
//! speaking the real flow (redirect to the login, 401 without Basic,
//! redirect back with a code, session cookie, JSON): the fetch succeeds,
//! a wrong password is one clear error, the login goes to its host only,
//! an expired set is refused, and no secret shows in `Debug` or errors.

use std::time::Duration;

use magg_lambda::credentials::{self, CredentialsError, Login, S3Credentials};
use magg_lambda::emulator::earthdata::{EarthdataOptions, EarthdataServer};

const SECRET: &str = "SeCrEt-KeY-bd81c";
const TOKEN: &str = "ToKeN-a77e90";
const PASSWORD: &str = "pa55-W0rd-4411";

fn creds(expiration: &str) -> S3Credentials {
    S3Credentials {
        access_key_id: "ASIAEXAMPLE".into(),
        secret_access_key: SECRET.into(),
        session_token: TOKEN.into(),
        expiration: expiration.into(),
    }
}

async fn server(expiration: &str) -> EarthdataServer {
    EarthdataServer::start(EarthdataOptions {
        user: "magguser".into(),
        password: PASSWORD.into(),
        credentials: creds(expiration),
    })
    .await
    .unwrap()
}

fn assert_no_secret(text: &str) {
    for s in [SECRET, TOKEN, PASSWORD, "wrong-pass"] {
        assert!(!text.contains(s), "secret {s} shown in: {text}");
    }
}

#[tokio::test]
async fn fetch_follows_the_login_flow() {
    let srv = server("2999-01-01 00:00:00+00:00").await;
    let login = Login::new(&srv.login_host, "magguser", PASSWORD);
    let got = credentials::fetch(&srv.endpoint, &login).await.unwrap();
    assert_eq!(got, creds("2999-01-01 00:00:00+00:00"));
    assert_eq!(srv.served(), 1);
    assert_eq!(srv.refused(), 0);
    assert_eq!(
        srv.leaks(),
        0,
        "login only to its host, cookie only to the DAAC"
    );
    got.check_valid_for(Duration::from_mins(10)).unwrap();
    assert_no_secret(&format!("{got:?} {login:?}"));
    // The settings handed to object_store carry them.
    let opts = got.store_options();
    assert!(opts.contains(&("aws_secret_access_key".into(), SECRET.into())));
    assert!(opts.contains(&("aws_session_token".into(), TOKEN.into())));
}

#[tokio::test]
async fn wrong_password_is_one_clear_error_without_secrets() {
    let srv = server("2999-01-01 00:00:00+00:00").await;
    let login = Login::new(&srv.login_host, "magguser", "wrong-pass");
    let err = credentials::fetch(&srv.endpoint, &login).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CredentialsError::Fetch { .. }), "{err:?}");
    assert!(
        text.contains("refused user magguser") && text.contains("127.0.0.2"),
        "{text}"
    );
    assert!(text.contains(&srv.endpoint), "names the endpoint: {text}");
    assert_no_secret(&text);
    assert_no_secret(&format!("{err:?}"));
    assert_eq!((srv.refused(), srv.served()), (1, 0));
}

#[tokio::test]
async fn the_login_is_sent_to_its_own_host_only() {
    let srv = server("2999-01-01 00:00:00+00:00").await;
    // A login for the real Earthdata host: the loopback login host
    // (another host) must not receive it.
    let login = Login::new(magg_lambda::EARTHDATA_LOGIN_HOST, "magguser", PASSWORD);
    let err = credentials::fetch(&srv.endpoint, &login)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("HTTP 401"), "{err}");
    assert_no_secret(&err);
    assert_eq!(srv.refused(), 1, "asked without Basic");
    assert_eq!(srv.leaks(), 0);
}

#[tokio::test]
async fn expired_credentials_are_refused() {
    let srv = server("2020-01-01 00:00:00+00:00").await;
    let login = Login::new(&srv.login_host, "magguser", PASSWORD);
    let got = credentials::fetch(&srv.endpoint, &login).await.unwrap();
    let err = got.check_valid_for(Duration::from_mins(10)).unwrap_err();
    assert!(matches!(err, CredentialsError::Expiring { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("2020-01-01 00:00:00+00:00"), "{text}");
    assert_no_secret(&text);
}

#[tokio::test]
async fn unreachable_or_odd_endpoints_fail_naming_them() {
    let srv = server("2999-01-01 00:00:00+00:00").await;
    let login = Login::new(&srv.login_host, "magguser", PASSWORD);
    let odd = srv.endpoint.replace("/s3credentials", "/nothing");
    let err = credentials::fetch(&odd, &login)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&odd) && err.contains("404"), "{err}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dead = format!("http://127.0.0.1:{port}/s3credentials");
    let err = credentials::fetch(&dead, &login)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains(&dead), "{err}");
    assert_no_secret(&err);
}
