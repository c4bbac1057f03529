//! `[mqtt]` and the `[[action]]`s that talk to other programs (`mqtt = "topic"`,
//! `http = "http://…"`, `exec = ["program", …]`), validated into [`super::notify`] settings.

use std::time::Duration;

use super::notify::{DEFAULT_PAYLOAD, MqttSettings, RemoteAction, RemoteKind, Trigger};
use super::{ActionEntry, Locate, MqttSection};
use crate::error::Result;

/// The validated `[mqtt]`, if the file has one.
pub(super) fn mqtt(at: &dyn Locate, m: Option<&MqttSection>) -> Result<Option<MqttSettings>> {
    let Some(m) = m else { return Ok(None) };
    let err = |span, key: &str, problem: String| at.err(span, &format!("mqtt.{key}"), problem);
    let host = m.host.get_ref().trim();
    if let Some((_, port)) = host.rsplit_once(':').filter(|_| host.parse::<std::net::Ipv6Addr>().is_err()) {
        return Err(err(m.host.span(), "host", format!("{host:?} includes a port: write the host alone and port = {port}")));
    }
    if host.is_empty() || host.contains(char::is_whitespace) || host.contains('/') {
        return Err(err(
            m.host.span(),
            "host",
            format!("{:?} is not a host name or address, e.g. \"192.168.1.10\" or \"homeassistant.local\"", m.host.get_ref()),
        ));
    }
    let port = match &m.port {
        None => 1883,
        Some(p) => {
            u16::try_from(*p.get_ref()).ok().filter(|p| *p > 0).ok_or_else(|| err(p.span(), "port", format!("{} is not a TCP port (1–65535)", p.get_ref())))?
        }
    };
    let (client_id, node) = match &m.client_id {
        Some(c) if c.get_ref().is_empty() || c.get_ref().len() > 23 * 4 => {
            return Err(err(c.span(), "client_id", "must be 1 to 92 characters".into()));
        }
        Some(c) => (c.get_ref().clone(), c.get_ref().clone()),
        // Named for the host in topics and Home Assistant (as before), but unique at the broker:
        // two Pis left with the default host name `raspberrypi` must not throw each other off.
        None => {
            let node = format!("beckon-{}", crate::files::hostname().unwrap_or_else(|| "pi".into()));
            let unique = crate::files::machine_id().map_or_else(|| node.clone(), |id| format!("{node}-{id}"));
            (unique, node)
        }
    };
    let password = match (&m.password_file, &m.password_env) {
        (Some(f), Some(_)) => return Err(err(f.span(), "password_file", "set password_file or password_env, not both".into())),
        (Some(f), None) => {
            let line =
                crate::files::first_line(f.get_ref()).map_err(|e| err(f.span(), "password_file", format!("cannot read {}: {e}", f.get_ref().display())))?;
            Some(line)
        }
        (None, Some(v)) => Some(
            std::env::var(v.get_ref())
                .map_err(|_| err(v.span(), "password_env", format!("the environment variable {} is not set (or not UTF-8)", v.get_ref())))?,
        ),
        (None, None) => None,
    };
    if password.is_some() && m.username.is_none() {
        let span = m.password_file.as_ref().map(|f| f.span()).or(m.password_env.as_ref().map(|v| v.span())).unwrap_or(0..0);
        return Err(err(span, "username", "missing: a password needs a username".into()));
    }
    let mut settings = MqttSettings::local(&node);
    settings.client_id = client_id;
    settings.host = host.to_string();
    settings.port = port;
    settings.username = m.username.as_ref().map(|u| u.get_ref().clone());
    settings.password = password;
    settings.discovery = m.discovery;
    if let Some(k) = &m.max_packet_kb {
        let kb = usize::try_from(*k.get_ref()).ok().filter(|k| (1..=262_144).contains(k));
        settings.max_packet = kb.ok_or_else(|| err(k.span(), "max_packet_kb", format!("{}; expected 1 to 262144 (KiB)", k.get_ref())))? * 1024;
    }
    if let Some(t) = &m.topic {
        check_topic(t.get_ref()).map_err(|p| err(t.span(), "topic", p))?;
        settings.topic = t.get_ref().trim_end_matches('/').to_string();
    }
    if let Some(p) = &m.discovery_prefix {
        check_topic(p.get_ref()).map_err(|problem| err(p.span(), "discovery_prefix", problem))?;
        settings.discovery_prefix = p.get_ref().clone();
    }
    Ok(Some(settings))
}

/// `action[i]` as a remote action, if it is one (`mqtt`, `http` or `exec`).
pub(super) fn remote_action(at: &dyn Locate, i: usize, a: &ActionEntry, label: usize, mqtt: Option<&MqttSettings>) -> Result<Option<RemoteAction>> {
    let err = |span, key: &str, problem: String| at.err(span, &format!("action[{i}].{key}"), problem);
    let kinds: Vec<(&str, std::ops::Range<usize>)> = [
        a.pins.as_ref().map(|p| ("pins", p.span())),
        a.mqtt.as_ref().map(|m| ("mqtt", m.span())),
        a.http.as_ref().map(|h| ("http", h.span())),
        a.exec.as_ref().map(|e| ("exec", e.span())),
    ]
    .into_iter()
    .flatten()
    .collect();
    if let [(first, _), (second, span), ..] = kinds.as_slice() {
        return Err(err(span.clone(), second, format!("an action does one thing, and this one already has {first}; make one [[action]] each")));
    }
    let Some((kind, _)) = kinds.first() else { return Ok(None) };
    if *kind == "pins" {
        return Ok(None);
    }
    // Keys of the other kinds have no meaning here: say so rather than ignore them.
    // (key, where it is if set, the kinds it belongs to; none = pins).
    type Foreign<'a> = (&'a str, Option<std::ops::Range<usize>>, &'a [&'a str]);
    let foreign: [Foreign; 8] = [
        ("mode", a.mode.as_ref().map(|m| m.span()), &[]),
        ("blink_ms", a.blink_ms.as_ref().map(|m| m.span()), &[]),
        ("pulse_ms", a.pulse_ms.as_ref().map(|m| m.span()), &[]),
        ("payload", a.payload.as_ref().map(|m| m.span()), &["mqtt"]),
        ("qos", a.qos.as_ref().map(|m| m.span()), &["mqtt"]),
        ("method", a.method.as_ref().map(|m| m.span()), &["http"]),
        ("body", a.body.as_ref().map(|m| m.span()), &["http"]),
        ("timeout_ms", a.timeout_ms.as_ref().map(|m| m.span()), &["http", "exec"]),
    ];
    for (key, span, kinds_for) in foreign {
        if let Some(span) = span.filter(|_| !kinds_for.contains(kind)) {
            let for_what = if kinds_for.is_empty() { "pins".to_string() } else { kinds_for.join(" and ") };
            return Err(err(span, key, format!("is for {for_what} actions; this one is {kind}")));
        }
    }
    let on = match a.on.as_ref().map(|o| (o.get_ref().as_str(), o.span())) {
        None | Some(("start", _)) => Trigger::Start,
        Some(("end", _)) => Trigger::End,
        Some(("both", _)) => Trigger::Both,
        Some((other, span)) => return Err(err(span, "on", format!("{other:?}; expected \"start\", \"end\" or \"both\""))),
    };
    let timeout = match &a.timeout_ms {
        None => Duration::from_secs(5),
        Some(t) if (1..=600_000).contains(t.get_ref()) => Duration::from_millis(*t.get_ref() as u64),
        Some(t) => return Err(err(t.span(), "timeout_ms", format!("{}; expected 1 to 600000 (ms)", t.get_ref()))),
    };
    let kind = match *kind {
        "mqtt" => {
            let topic = a.mqtt.as_ref().expect("the kind is mqtt");
            if mqtt.is_none() {
                return Err(err(topic.span(), "mqtt", "needs a broker: add an [mqtt] table with host = \"…\" (see firmware/beckon.toml)".into()));
            }
            check_topic(topic.get_ref()).map_err(|p| err(topic.span(), "mqtt", p))?;
            let qos = match &a.qos {
                None => 1,
                Some(q) if (0..=2).contains(q.get_ref()) => *q.get_ref() as u8,
                Some(q) => return Err(err(q.span(), "qos", format!("{}; expected 0, 1 or 2", q.get_ref()))),
            };
            let payload = a.payload.as_ref().map_or(DEFAULT_PAYLOAD.to_string(), |p| p.get_ref().clone());
            RemoteKind::Mqtt { topic: topic.get_ref().clone(), payload, qos, retain: a.retain.unwrap_or(false) }
        }
        "http" => {
            let url = a.http.as_ref().expect("the kind is http");
            check_url(url.get_ref()).map_err(|p| err(url.span(), "http", p))?;
            let method = a.method.as_ref().map_or("POST".to_string(), |m| m.get_ref().to_ascii_uppercase());
            if !["POST", "PUT", "GET"].contains(&method.as_str()) {
                let span = a.method.as_ref().map(|m| m.span()).unwrap_or(url.span());
                return Err(err(span, "method", format!("{method:?}; expected \"POST\", \"PUT\" or \"GET\"")));
            }
            let body = match (&a.body, method.as_str()) {
                (Some(b), "GET") => return Err(err(b.span(), "body", "a GET request has no body; use POST or PUT".into())),
                (_, "GET") => None,
                (b, _) => Some(b.as_ref().map_or(DEFAULT_PAYLOAD.to_string(), |b| b.get_ref().clone())),
            };
            RemoteKind::Http { method, url: url.get_ref().clone(), body, timeout }
        }
        _ => {
            let argv = a.exec.as_ref().expect("the kind is exec");
            if argv.get_ref().first().is_none_or(|p| p.trim().is_empty()) {
                return Err(err(argv.span(), "exec", "empty; expected the program and its arguments, e.g. [\"/usr/local/bin/lamp\", \"toggle\"]".into()));
            }
            RemoteKind::Exec { argv: argv.get_ref().clone(), timeout }
        }
    };
    Ok(Some(RemoteAction { label, on, kind, hand: None, motion: None, pose: None }))
}

/// A URL beckon can request: `http://host[:port]/…` (no TLS: see docs/home-assistant.md).
fn check_url(url: &str) -> std::result::Result<(), String> {
    let shown = super::notify::redact_url(url);
    if url.get(..8).is_some_and(|s| s.eq_ignore_ascii_case("https://")) {
        return Err(format!("{shown:?}: beckon speaks plain HTTP only (its TLS libraries need C code); use http:// on the LAN, or a local proxy"));
    }
    // A port past 65535 parses as a URL but never connects: say so now.
    let authority = url.split_once("://").map_or("", |(_, rest)| rest.split(['/', '?', '#']).next().unwrap_or_default());
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let port = match host_port.strip_prefix('[') {
        Some(v6) => v6.split_once("]:").map(|(_, p)| p),
        None => host_port.rsplit_once(':').map(|(_, p)| p),
    };
    if let Some(port) = port.filter(|p| p.parse::<u16>().ok().filter(|p| *p > 0).is_none()) {
        return Err(format!("{shown:?}: {port} is not a TCP port (1–65535)"));
    }
    let parsed: std::result::Result<ureq::http::Uri, _> = url.parse();
    match parsed {
        Ok(u) if u.scheme_str().is_some_and(|s| s.eq_ignore_ascii_case("http")) && u.host().is_some_and(|h| !h.is_empty()) => Ok(()),
        _ => Err(format!("{shown:?} is not an http:// URL, e.g. \"http://homeassistant.local:8123/api/webhook/beckon\"")),
    }
}

/// A topic beckon may publish on: not empty, no wildcards, no NUL.
fn check_topic(topic: &str) -> std::result::Result<(), String> {
    if topic.is_empty() || topic.contains(['+', '#', '\0']) || topic.len() > 1024 {
        return Err(format!("{topic:?} is not a topic to publish on (not empty, no + or # wildcards)"));
    }
    Ok(())
}
