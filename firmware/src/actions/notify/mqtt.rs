//! The MQTT connection: one thread drives rumqttc's event loop (connects, reconnects with
//! back-off, announces the device on every connect), another hands queued messages to it while
//! the broker is reachable. The frame loop only ever pushes onto a [`DropOldest`] queue.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rumqttc::{Client, ConnectionError, Event, LastWill, MqttOptions, Outgoing, Packet, QoS};

use super::MqttSettings;
use super::queue::DropOldest;

/// Messages waiting for the broker at most; older ones are dropped (and counted) first.
pub const QUEUE: usize = 64;
/// The longest wait between two connection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(10);
/// A connection that lived this long was a good one: the back-off starts again from the
/// shortest wait. One dropped sooner (a client-id collision drops it right after the broker
/// accepts it) keeps the back-off growing.
const STABLE: Duration = Duration::from_secs(5);
/// Short-lived connections in a row after which beckon says another client likely has its id.
const SHORT_DROPS_SAID: u32 = 3;

/// One message to publish.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub topic: String,
    pub payload: String,
    pub qos: u8,
    pub retain: bool,
}

impl Message {
    pub fn new(topic: impl Into<String>, payload: impl Into<String>, qos: u8, retain: bool) -> Self {
        Self { topic: topic.into(), payload: payload.into(), qos, retain }
    }
}

fn qos(level: u8) -> QoS {
    match level {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

/// Connects to the broker in `settings` as `beckon check` does (its own client id, so a running
/// beckon keeps its session) and says how it went: the broker's answer to the credentials, or
/// why there was none within `wait`.
pub fn probe(settings: &MqttSettings, wait: Duration) -> std::result::Result<String, String> {
    let mut options = MqttOptions::new(format!("{}-check", settings.client_id), &settings.host, settings.port);
    if let Some(user) = &settings.username {
        options.set_credentials(user, settings.password.as_deref().unwrap_or(""));
    }
    let (client, mut connection) = Client::new(options, 4);
    let start = Instant::now();
    let where_ = format!("{}:{}", settings.host, settings.port);
    while start.elapsed() < wait {
        match connection.recv_timeout(wait.saturating_sub(start.elapsed())) {
            Ok(Ok(Event::Incoming(Packet::ConnAck(_)))) => {
                let _ = client.try_disconnect();
                return Ok(format!("broker {where_} accepted the connection in {:.0} ms; state on {}/…", start.elapsed().as_secs_f64() * 1e3, settings.topic));
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(format!("broker {where_}: {e} (is it running, and are host, port, username and password right?)")),
            Err(_) => break,
        }
    }
    Err(format!("broker {where_}: no answer within {} s", wait.as_secs()))
}

/// What both threads share.
#[derive(Debug)]
struct Shared {
    queue: DropOldest<Message>,
    online: AtomicBool,
    stop: AtomicBool,
    /// Published on every connect, in order (availability, discovery, the current gesture).
    on_connect: Mutex<Vec<Message>>,
}

/// Publishes the messages every connect starts with (availability, discovery, the gesture now).
fn announce(shared: &Shared, client: &Client) {
    for m in shared.on_connect.lock().unwrap_or_else(|p| p.into_inner()).iter() {
        let _ = client.try_publish(&m.topic, qos(m.qos), m.retain, m.payload.clone());
    }
}

/// A running MQTT connection (see the module).
pub struct Mqtt {
    shared: Arc<Shared>,
    client: Client,
    availability: String,
    threads: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Mqtt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mqtt").field("availability", &self.availability).field("online", &self.online()).finish()
    }
}

impl Mqtt {
    /// Starts connecting to the broker in `settings`; `on_connect` is published (again) on every
    /// connect. Never waits for the broker.
    pub fn start(settings: &MqttSettings, on_connect: Vec<Message>) -> Self {
        let mut options = MqttOptions::new(&settings.client_id, &settings.host, settings.port);
        options.set_keep_alive(Duration::from_secs(15));
        options.set_max_packet_size(settings.max_packet, settings.max_packet);
        options.set_last_will(LastWill::new(settings.availability_topic(), "offline", QoS::AtLeastOnce, true));
        if let Some(user) = &settings.username {
            options.set_credentials(user, settings.password.as_deref().unwrap_or(""));
        }
        let (client, mut connection) = Client::new(options, QUEUE);
        let shared = Arc::new(Shared {
            queue: DropOldest::new(QUEUE),
            online: AtomicBool::new(false),
            stop: AtomicBool::new(false),
            on_connect: Mutex::new(on_connect),
        });
        let where_ = format!("{}:{}", settings.host, settings.port);
        let id = settings.client_id.clone();
        // Home Assistant forgets discovered devices when it restarts without a persistent
        // broker session, and says `online` on <prefix>/status when it is back: announce again.
        let status = settings.discovery.then(|| settings.status_topic());
        let drive = {
            let (shared, client) = (shared.clone(), client.clone());
            std::thread::Builder::new().name("mqtt-connection".into()).spawn(move || {
                let mut backoff = Duration::from_millis(200);
                let mut reported = false;
                let (mut connected_at, mut short_drops, mut collision_said) = (None::<Instant>, 0u32, false);
                while let Ok(event) = connection.recv() {
                    match event {
                        Ok(Event::Incoming(Packet::ConnAck(_))) => {
                            if short_drops < SHORT_DROPS_SAID {
                                tracing::info!("mqtt: connected to {where_}");
                            }
                            connected_at = Some(Instant::now());
                            announce(&shared, &client);
                            if let Some(status) = &status {
                                let _ = client.try_subscribe(status, QoS::AtLeastOnce);
                            }
                            shared.online.store(true, Ordering::SeqCst);
                        }
                        Ok(Event::Incoming(Packet::Publish(p))) if status.as_deref() == Some(p.topic.as_str()) && &p.payload[..] == b"online" => {
                            tracing::info!("mqtt: Home Assistant is online again: announcing the device");
                            announce(&shared, &client);
                        }
                        Ok(Event::Outgoing(Outgoing::Disconnect)) => break,
                        Ok(_) => {}
                        Err(ConnectionError::RequestsDone) => break,
                        Err(e) => {
                            shared.online.store(false, Ordering::SeqCst);
                            if shared.stop.load(Ordering::SeqCst) {
                                break;
                            }
                            match connected_at.take().map(|t| t.elapsed()) {
                                Some(lived) if lived >= STABLE => (backoff, short_drops, reported) = (Duration::from_millis(200), 0, false),
                                Some(_) => short_drops += 1,
                                None => {}
                            }
                            if short_drops >= SHORT_DROPS_SAID && !collision_said {
                                tracing::warn!(
                                    "mqtt: {where_} drops the connection right after accepting it, again and again: another client probably \
                                     uses the client id {id:?} (two devices with the same host name?); give each device its own [mqtt] \
                                     client_id. Retrying every {} s at most",
                                    MAX_BACKOFF.as_secs()
                                );
                                (collision_said, reported) = (true, true);
                            } else if !reported {
                                tracing::warn!("mqtt: {where_}: {e}; retrying (every {} s at most), messages queue meanwhile", MAX_BACKOFF.as_secs());
                                reported = true;
                            }
                            let until = Instant::now() + backoff;
                            while Instant::now() < until && !shared.stop.load(Ordering::SeqCst) {
                                std::thread::sleep(Duration::from_millis(20));
                            }
                            if shared.stop.load(Ordering::SeqCst) {
                                break;
                            }
                            backoff = (backoff * 2).min(MAX_BACKOFF);
                        }
                    }
                }
            })
        };
        let send = {
            let (shared, client) = (shared.clone(), client.clone());
            std::thread::Builder::new().name("mqtt-send".into()).spawn(move || {
                while !shared.stop.load(Ordering::SeqCst) {
                    let Some(m) = shared.queue.pop(Duration::from_millis(100)) else { continue };
                    if !shared.online.load(Ordering::SeqCst) {
                        shared.queue.unpop(m);
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                    if client.try_publish(&m.topic, qos(m.qos), m.retain, m.payload.clone()).is_err() {
                        shared.queue.unpop(m);
                        std::thread::sleep(Duration::from_millis(20));
                    }
                }
            })
        };
        let threads = [drive, send].into_iter().filter_map(|t| t.map_err(|e| tracing::error!("mqtt: cannot start a thread: {e}")).ok()).collect();
        Self { shared, client, availability: settings.availability_topic(), threads }
    }

    /// Queues `message` (never waits; the oldest queued message is dropped when the queue is full).
    pub fn send(&self, message: Message) {
        self.shared.queue.push(message);
    }

    /// Replaces the retained message for `message.topic` among those published on every connect
    /// (the current gesture), and queues it.
    pub fn set_retained(&self, message: Message) {
        {
            let mut on_connect = self.shared.on_connect.lock().unwrap_or_else(|p| p.into_inner());
            on_connect.retain(|m| m.topic != message.topic);
            on_connect.push(message.clone());
        }
        self.send(message);
    }

    /// Replaces what every connect publishes (another model's discovery) and publishes it now.
    pub fn reannounce(&self, on_connect: Vec<Message>) {
        *self.shared.on_connect.lock().unwrap_or_else(|p| p.into_inner()) = on_connect.clone();
        for m in on_connect {
            self.send(m);
        }
    }

    /// Whether the broker is connected now.
    pub fn online(&self) -> bool {
        self.shared.online.load(Ordering::SeqCst)
    }

    /// Messages dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.shared.queue.dropped()
    }

    /// Sends what is queued and "offline" for availability, disconnects, and waits for both
    /// threads, all within `deadline` (a broker that is away gets the last will instead).
    pub fn stop(self, deadline: Duration) {
        let until = Instant::now() + deadline;
        while self.online() && !self.shared.queue.is_empty() && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(10));
        }
        self.shared.stop.store(true, Ordering::SeqCst);
        if self.online() {
            let _ = self.client.try_publish(&self.availability, QoS::AtLeastOnce, true, "offline");
        }
        let _ = self.client.try_disconnect();
        for t in self.threads {
            while !t.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}
