//! The TCP listener: accepts connections and runs each on its own task.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::{TcpListener, ToSocketAddrs};

use crate::session::SessionFactory;
use crate::{conn, ServerConfig};

/// A bound MySQL listener.
pub struct Listener {
    listener: TcpListener,
    factory: Arc<dyn SessionFactory>,
    config: Arc<ServerConfig>,
    connection_ids: Arc<AtomicU32>,
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
            let id = self.connection_ids.fetch_add(1, Ordering::Relaxed);
            let factory = self.factory.clone();
            let config = self.config.clone();
            tokio::spawn(async move {
                let host = peer.ip().to_string();
                tracing::debug!(id, %peer, "connection opened");
                match conn::serve_connection(stream, host, id, factory, config).await {
                    Ok(()) => tracing::debug!(id, "connection closed"),
                    Err(e) => tracing::debug!(id, error = %e, "connection ended with socket error"),
                }
            });
        }
    }
}
