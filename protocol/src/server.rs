//! The TCP listener: accepts connections and runs each on a thread of its own.
//!
//! A connection is one OS thread reading and writing its socket with blocking calls; the
//! synchronous engine is called inline. Handing every
//! command to a shared blocking pool cost two thread switches per statement, a third of a
//! point select's time on two cores; MySQL and MariaDB use a thread per connection for the
//! same reason. A blocked statement (a lock wait, a slow scan) blocks only its own client.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, ToSocketAddrs};

use crate::session::SessionFactory;
use crate::{conn, ServerConfig};

/// Stack of a connection thread: the parser and expression evaluator recurse.
const CONNECTION_STACK: usize = 8 << 20;

/// One live connection of a listener; dropping it frees its place under `max_connections`.
struct Place(Arc<AtomicU32>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn serve_on_own_thread(
    stream: std::net::TcpStream,
    peer: SocketAddr,
    id: u32,
    factory: Arc<dyn SessionFactory>,
    config: Arc<ServerConfig>,
    admission: conn::Admission,
    place: Place,
) {
    let _place = place;
    if let Err(e) = stream.set_nonblocking(false) {
        tracing::warn!(id, error = %e, "cannot make connection socket blocking");
        return;
    }
    let hangup = stream.try_clone().ok().map(crate::Hangup::new);
    let host = peer.ip().to_string();
    tracing::debug!(id, %peer, "connection opened");
    match conn::serve_connection(stream, host, id, factory, config, hangup, admission) {
        Ok(()) => tracing::debug!(id, "connection closed"),
        Err(e) => tracing::debug!(id, error = %e, "connection ended with socket error"),
    }
}

/// A bound MySQL listener.
pub struct Listener {
    listener: TcpListener,
    factory: Arc<dyn SessionFactory>,
    config: Arc<ServerConfig>,
    connection_ids: Arc<AtomicU32>,
    /// Connections of this listener now open, handshaking ones included.
    live: Arc<AtomicU32>,
}

impl Listener {
    /// Binds `addr` (port 0 picks a free port; see [`Listener::local_addr`]).
    pub async fn bind(
        addr: impl ToSocketAddrs,
        factory: Arc<dyn SessionFactory>,
        config: ServerConfig,
    ) -> io::Result<Self> {
        Ok(Listener {
            listener: TcpListener::bind(addr).await?,
            factory,
            config: Arc::new(config.normalized()),
            connection_ids: Arc::new(AtomicU32::new(1)),
            live: Arc::default(),
        })
    }

    /// Serves on an already bound listener (the caller picked the port by binding it).
    /// Must run inside a tokio runtime.
    pub fn from_std(
        listener: std::net::TcpListener,
        factory: Arc<dyn SessionFactory>,
        config: ServerConfig,
    ) -> io::Result<Self> {
        listener.set_nonblocking(true)?;
        Ok(Listener {
            listener: TcpListener::from_std(listener)?,
            factory,
            config: Arc::new(config.normalized()),
            connection_ids: Arc::new(AtomicU32::new(1)),
            live: Arc::default(),
        })
    }

    /// Shares a connection-id counter with other listeners of the same server.
    pub fn with_connection_ids(mut self, ids: Arc<AtomicU32>) -> Self {
        self.connection_ids = ids;
        self
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Accepts connections forever.
    pub async fn run(self) {
        self.run_until(std::future::pending()).await
    }

    /// Accepts connections until `shutdown` completes; running connections continue.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                _ = &mut shutdown => return,
                a = self.listener.accept() => a,
            };
            let (stream, peer) = match accepted {
                Ok(v) => v,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning or dying.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            // max_connections, as MySQL counts it: one connection more than the limit is
            // let in for an account with SUPER; past that the socket gets 1040 at once,
            // from here, and no thread is started for it.
            let limits = self.factory.limits();
            let live = self.live.fetch_add(1, Ordering::AcqRel);
            let place = Place(self.live.clone());
            if live > limits.max_connections {
                refuse(&stream, peer);
                continue;
            }
            let admission = conn::Admission {
                reserved_only: live == limits.max_connections,
                connect_timeout: limits.connect_timeout,
            };
            let id = self.connection_ids.fetch_add(1, Ordering::Relaxed);
            let factory = self.factory.clone();
            let config = self.config.clone();
            let stream = match stream.into_std() {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot detach accepted socket");
                    continue;
                }
            };
            let spawned = std::thread::Builder::new()
                .name(format!("conn-{id}"))
                .stack_size(CONNECTION_STACK)
                .spawn(move || {
                    serve_on_own_thread(stream, peer, id, factory, config, admission, place)
                });
            if let Err(e) = spawned {
                tracing::warn!(error = %e, "cannot start a connection thread");
            }
        }
    }
}

/// Answers a socket past `max_connections` with ERR 1040 in place of the greeting (what
/// MySQL sends) and closes it. The packet is tiny and the socket new: one non-blocking
/// write; a peer that does not read it loses nothing.
fn refuse(stream: &tokio::net::TcpStream, peer: SocketAddr) {
    tracing::warn!(%peer, "too many connections: refused");
    let err = crate::SqlError::new(crate::codes::ER_CON_COUNT_ERROR, "Too many connections");
    let mut seq = 0;
    let mut buf = Vec::new();
    crate::packet::frame(&crate::encode::err_packet(&err), &mut seq, &mut buf);
    let _ = stream.try_write(&buf);
}
