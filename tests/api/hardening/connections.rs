//! The HTTP loop: a client that opens connections and sends nothing, or never reads its
//! answers, must not hold them for ever, and there is a cap on connections at once.

use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Whether the server closed `stream` within `within` (a read gives 0 bytes or an error).
async fn closed_within(stream: &mut (impl AsyncRead + Unpin), within: Duration) -> bool {
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            // An error page or the like: keep reading until the close.
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn idle_and_half_sent_connections_are_closed_and_a_normal_client_is_still_served() {
    let app = spawn_app_with(|c| c.header_read_timeout = Duration::from_millis(500)).await;
    let addr = format!("127.0.0.1:{}", app.port);
    let mut idle = Vec::new();
    for i in 0..30 {
        let mut stream = TcpStream::connect(&addr).await.unwrap();
        if i % 3 == 0 {
            // Slowloris: the start of a request, and then nothing.
            stream
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
                .await
                .unwrap();
        }
        idle.push(stream);
    }
    // And one that asked once (kept alive) and then went quiet.
    let mut kept = TcpStream::connect(&addr).await.unwrap();
    kept.write_all(b"GET /robots.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    idle.push(kept);
    let started = Instant::now();
    for (i, stream) in idle.iter_mut().enumerate() {
        assert!(
            closed_within(stream, Duration::from_secs(3)).await,
            "connection {i} was still open {:?} after it went quiet",
            started.elapsed()
        );
    }
    assert_eq!(app.get("/").await.status().as_u16(), 200);
}

#[tokio::test]
async fn connections_past_the_cap_are_closed_at_once_and_served_again_when_one_ends() {
    let app = spawn_app_with(|c| {
        c.max_connections = 5;
        c.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let addr = format!("127.0.0.1:{}", app.port);
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    // Let the server accept them all.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut sixth = TcpStream::connect(&addr).await.unwrap();
    assert!(
        closed_within(&mut sixth, Duration::from_secs(2)).await,
        "a sixth connection was kept open past a cap of 5"
    );
    drop(held);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match app.client.get(app.url("/")).send().await {
            Ok(r) if r.status().as_u16() == 200 => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("a client after the held connections ended was not served: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_client_that_never_reads_its_answers_is_cut_off_after_the_write_timeout() {
    let app = spawn_app_with(|c| {
        c.max_connections = 1;
        c.write_timeout = Duration::from_millis(500);
        c.header_read_timeout = Duration::from_secs(30);
    })
    .await;
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", app.port).parse().unwrap();
    // A small receive window, and thousands of pipelined requests never read: the
    // server's writes stall once the buffers are full.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stalled = socket.connect(addr).await.unwrap();
    let (mut read_half, mut write_half) = stalled.into_split();
    let request = format!("GET {REPORT} HTTP/1.1\r\nHost: x\r\n\r\n").repeat(4000);
    let writer = tokio::spawn(async move {
        let _ = write_half.write_all(request.as_bytes()).await;
        write_half
    });
    tokio::time::sleep(Duration::from_millis(2000)).await;
    // Reading now drains what was buffered; a server that still held the connection would
    // go on answering all 4,000 requests and then keep it open.
    assert!(
        closed_within(&mut read_half, Duration::from_secs(5)).await,
        "the server still held a connection whose client had not read for 2 s"
    );
    // The one connection slot was given back.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match app.client.get(app.url("/")).send().await {
            Ok(r) if r.status().as_u16() == 200 => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            other => panic!("a normal client was not served after the stalled one: {other:?}"),
        }
    }
    writer.abort();
}
