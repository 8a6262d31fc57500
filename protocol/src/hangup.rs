//! Closing a client connection from another thread: KILL CONNECTION, a backtrack of the
//! cluster, a deleted cluster or instance.
//!
//! With a reason, the client gets it as an ERR packet in answer to its next command, as
//! MySQL 8 does when it drops an idle connection (ER_CLIENT_INTERACTION_TIMEOUT): the mysql
//! CLI prints `ERROR 1927 (70100): Connection was killed: …` instead of a bare "Lost
//! connection". The packet can only go out when nothing else is being written, so the
//! connection's front says when it waits for a command ([`Hangup::enter_idle`]) and when it
//! works on one ([`Hangup::leave_idle`]):
//!
//! - idle: the closer writes the ERR packet (sequence 1, the answer to a command's packet 0)
//!   to the socket itself and shuts it down; on a TLS connection it cannot write (the bytes
//!   would have to go through the connection's TLS state), so it keeps the reason and shuts
//!   down the reading side: the front's read ends, and the front sends the reason
//!   ([`Hangup::take_reason`]);
//! - answering a statement: the closer shuts down only the reading side; the statement,
//!   interrupted by the engine, still gets its reply, and the front sends the reason when
//!   it would wait for the next command;
//! - streaming the binlog to a replica, or without a reason (KILL, as in MariaDB): the
//!   socket is shut down at once; on TLS (not streaming) only its reading side, as above.

use std::io::Write;
use std::net::{Shutdown, TcpStream};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::encode;
use crate::packet::frame;
use crate::session::{Closer, SqlError};

/// See the module documentation.
pub struct Hangup {
    socket: TcpStream,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Every reply is on the wire and the front waits for the client's next command.
    idle: bool,
    /// The connection streams the binlog; it is never idle again.
    streaming: bool,
    /// The connection runs TLS: nothing may be written to the socket from here.
    tls: bool,
    /// Closed from outside.
    closed: bool,
    /// What to tell the client, kept for the front when the close came mid-command.
    reason: Option<SqlError>,
}

impl Hangup {
    /// `socket` is a second handle to the connection's socket.
    pub fn new(socket: TcpStream) -> Arc<Self> {
        Arc::new(Hangup {
            socket,
            state: Mutex::new(State::default()),
        })
    }

    /// The [`Closer`] the session is given.
    pub fn closer(self: &Arc<Self>) -> Closer {
        let me = self.clone();
        Arc::new(move |reason: Option<&SqlError>| me.close(reason))
    }

    /// Closes the connection, telling the client `reason` if there is one (see the module
    /// documentation). A second close does nothing.
    pub fn close(&self, reason: Option<&SqlError>) {
        let mut st = self.lock();
        if st.closed {
            return;
        }
        st.closed = true;
        match reason {
            Some(e) if st.idle && !st.tls => {
                // A client that stopped reading must not hold up the closing thread.
                let _ = self.socket.set_write_timeout(Some(Duration::from_secs(1)));
                let _ = (&self.socket).write_all(&err_frame(e));
                let _ = self.socket.shutdown(Shutdown::Both);
            }
            Some(e) if !st.streaming => {
                st.reason = Some(e.clone());
                let _ = self.socket.shutdown(Shutdown::Read);
            }
            // Cutting a TLS stream mid-record makes the client report a TLS error (2026)
            // instead of the interrupted statement: end the reading side only; the
            // statement's reply goes out and the front ends the connection.
            None if st.tls && !st.streaming => {
                let _ = self.socket.shutdown(Shutdown::Read);
            }
            _ => {
                let _ = self.socket.shutdown(Shutdown::Both);
            }
        }
    }

    /// The front is about to wait for the next command. `Err` when the connection was closed
    /// meanwhile, with the reason still to send (the front sends it and ends).
    pub(crate) fn enter_idle(&self) -> Result<(), Option<SqlError>> {
        let mut st = self.lock();
        if st.closed {
            return Err(st.reason.take());
        }
        st.idle = true;
        Ok(())
    }

    /// The front has a command to answer.
    pub(crate) fn leave_idle(&self) {
        self.lock().idle = false;
    }

    /// The connection switched to TLS.
    pub(crate) fn set_tls(&self) {
        self.lock().tls = true;
    }

    /// The reason of a close that came while the front waited for a command, once.
    pub(crate) fn take_reason(&self) -> Option<SqlError> {
        self.lock().reason.take()
    }

    /// The connection turned into a binlog stream.
    pub(crate) fn start_streaming(&self) {
        self.lock().streaming = true;
    }

    /// Ends the connection after the front sent the reason itself.
    pub(crate) fn shutdown(&self) {
        let _ = self.socket.shutdown(Shutdown::Both);
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `e` as the answer to a command: an ERR packet with sequence number 1.
fn err_frame(e: &SqlError) -> Vec<u8> {
    let mut out = Vec::new();
    let mut seq = 1;
    frame(&encode::err_packet(e), &mut seq, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (server, _) = l.accept().unwrap();
        (client, server)
    }

    fn reason() -> SqlError {
        SqlError::new(1927, "Connection was killed: the cluster was backtracked")
    }

    #[test]
    fn an_idle_connection_gets_the_reason_then_end_of_file() {
        let (mut client, server) = pair();
        let h = Hangup::new(server);
        h.enter_idle().unwrap();
        h.closer()(Some(&reason()));
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        assert_eq!(got, err_frame(&reason()));
        assert_eq!(got[3], 1, "sequence number of an answer");
        assert_eq!(&got[4..7], &[0xff, 0x87, 0x07], "ERR 1927");
    }

    #[test]
    fn a_busy_connection_keeps_its_reply_and_gets_the_reason_next() {
        let (_client, server) = pair();
        let h = Hangup::new(server);
        h.enter_idle().unwrap();
        h.leave_idle();
        h.close(Some(&reason()));
        h.close(None);
        let e = h
            .enter_idle()
            .unwrap_err()
            .expect("the reason is kept for the front");
        assert_eq!(e.code, 1927);
        assert!(h.enter_idle().unwrap_err().is_none(), "sent once");
    }

    #[test]
    fn kill_without_a_reason_sends_nothing() {
        let (mut client, server) = pair();
        let h = Hangup::new(server);
        h.enter_idle().unwrap();
        h.close(None);
        let mut got = Vec::new();
        client.read_to_end(&mut got).unwrap();
        assert!(got.is_empty());
    }
}
