//! `beckon.toml` parsing and validation: whole files, each kind of mistake, errors naming file:line: key.

use super::*;
use crate::actions::ActionKind;

fn labels() -> Vec<String> {
    ["0", "1", "2", "3", "4", "5"].map(String::from).to_vec()
}

pub(super) fn resolve(text: &str) -> Result<Config> {
    Loaded::parse(Path::new("beckon.toml"), text.to_string())?.resolve(&labels(), None)
}

pub(super) fn error(text: &str) -> String {
    resolve(text).unwrap_err().to_string()
}

pub(super) const GOOD: &str = r#"
model = "models/fingers-cnn/model.int8.onnx"

[source]
kind = "replay"
path = "firmware/replay"
fps = 5
loop = true

[region]
x = 0.25
y = 0.0
width = 0.5
height = 1.0

[decision]
smoothing = "k-of-n"
k = 2
n = 3
threshold_high = 0.8
threshold_low = 0.4
min_hold_ms = 200
cooldown_ms = 500
idle_label = "0"

[[action]]
label = "1"
pins = [17]

[[action]]
label = "2"
pins = [27]
mode = "toggle"

[[action]]
label = "3"
pins = [22]
mode = "blink"
blink_ms = [100, 300]

[[action]]
label = "5"
pins = [5, 6]
mode = "pulse"
pulse_ms = 1000
"#;

#[test]
fn the_example_and_a_full_file_resolve() {
    let c = resolve(GOOD).unwrap();
    assert_eq!(c.model, Some(PathBuf::from("models/fingers-cnn/model.int8.onnx")));
    assert_eq!(c.source, Source::Replay { path: "firmware/replay".into(), fps: 5.0, looping: true, paced: true });
    assert_eq!(c.region, Some(Region { x: 0.25, y: 0.0, width: 0.5, height: 1.0 }));
    assert_eq!(c.rules.smoothing, Smoothing::KOfN { k: 2, n: 3 });
    assert_eq!((c.rules.idle, c.rules.min_hold), (Some(0), Duration::from_millis(200)));
    assert_eq!(c.pins, [17, 27, 22, 5, 6]);
    assert_eq!(c.actions[2].kind, ActionKind::Blink(vec![Duration::from_millis(100), Duration::from_millis(300)]));
    assert_eq!(c.backend, "sim");
    // The example shipped in the repository is valid for the shipped model.
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("beckon.toml");
    Loaded::read(&example).unwrap().resolve(&labels(), None).unwrap();
}

#[test]
fn each_kind_of_mistake_names_the_line_and_key() {
    let cases: [(&str, &str, &str, &str); 10] = [
        // (replace this, with this, expected line:key, expected words)
        ("label = \"1\"", "label = \"a/b\"", "beckon.toml:27: action[0].label", "\"a/b\" may not contain"),
        ("pins = [27]", "pins = [17]", "beckon.toml:32: action[1].pins", "pin 17 is also used by action[0]"),
        ("blink_ms = [100, 300]", "blink_ms = [100]", "beckon.toml:39: action[2].blink_ms", "blink pattern"),
        ("mode = \"toggle\"", "mode = \"flash\"", "beckon.toml:33: action[1].mode", "\"flash\""),
        ("threshold_low = 0.4", "threshold_low = 0.9", "beckon.toml:21: decision.threshold_low", "(0, threshold_high"),
        ("kind = \"replay\"", "kind = \"webcam\"", "beckon.toml:5: source.kind", "\"webcam\"; expected \"rpicam\""),
        ("kind = \"replay\"", "kind = \"v4l2\"\nformat = \"h264\"", "beckon.toml:6: source.format", "\"h264\"; expected \"auto\""),
        ("x = 0.25", "x = 0.75", "beckon.toml:10: region", "not inside the frame"),
        ("fps = 5", "fps = \"fast\"", "beckon.toml:7: source.fps", "invalid type"),
        ("cooldown_ms = 500", "cooldown = 500", "beckon.toml:23: decision.cooldown", "unknown field `cooldown`"),
    ];
    for (from, to, place, words) in cases {
        assert!(GOOD.contains(from), "{from}");
        let e = error(&GOOD.replacen(from, to, 1));
        assert!(e.starts_with(place) && e.contains(words), "{from} → {to}: got {e:?}, expected {place} … {words}");
    }
    assert!(error("model = \"m.onnx\"\n").contains("no [[action]]"));
    assert!(error(&GOOD.replacen("pins = [17]", "pins = [40]", 1)).contains("action[0].pins: 40 is not a header GPIO"));
    assert!(error(&GOOD.replacen("label = \"1\"", "label = \"0\"", 1)).contains("idle label"));
}

/// An action for a gesture the model does not know (one taught later, or another model's) does
/// not stop the device: it stays idle, saying why with file:line: key, its pins claimed and off.
#[test]
fn an_action_for_a_label_the_model_lacks_stays_idle() {
    let c = resolve(&GOOD.replacen("label = \"1\"", "label = \"thumbs-up\"", 1)).unwrap();
    assert_eq!(c.idle_actions.len(), 1);
    assert!(c.idle_actions[0].starts_with("beckon.toml:27: action[0].label: the model has no label \"thumbs-up\""), "{:?}", c.idle_actions);
    assert!(c.idle_actions[0].ends_with("this action stays idle with this model"));
    assert!(c.pins.contains(&17) && !c.actions.iter().any(|a| a.pins == [17]), "{:?}", c.actions);
}

/// Type errors and duplicate keys name the key in words, whatever the table.
#[test]
fn serde_errors_name_the_key() {
    let e = error(&GOOD.replacen("n = 3", "n = \"three\"", 1));
    assert!(e.starts_with("beckon.toml:19: decision.n: invalid type: string \"three\""), "{e}");
    let e = error(&GOOD.replacen("pulse_ms = 1000", "pulse_ms = 1000\npulse_ms = 2", 1));
    assert!(e.starts_with("beckon.toml:46: action[3].pulse_ms") && e.contains("duplicate key"), "{e}");
    let e = error(&GOOD.replacen("mode = \"toggle\"", "mode = 3", 1));
    assert!(e.starts_with("beckon.toml:33: action[1].mode: invalid type"), "{e}");
    let e = error(&GOOD.replacen("[decision]", "[decision]\n[decision]", 1));
    assert!(e.contains(": decision:"), "{e}");
}

/// MQTT: a broker table and actions that publish, and each mistake named by file, line and key.
#[test]
fn mqtt_actions_and_their_mistakes() {
    let mqtt = format!(
        "{GOOD}\n[mqtt]\nhost = \"192.168.1.10\"\nclient_id = \"hall\"\ndiscovery = true\n\n[[action]]\nlabel = \"4\"\nmqtt = \"home/lamp/set\"\npayload = \"TOGGLE\"\non = \"both\"\nqos = 0\nretain = true\n"
    );
    let c = resolve(&mqtt).unwrap();
    let m = c.mqtt.as_ref().unwrap();
    assert_eq!((m.host.as_str(), m.port, m.topic.as_str(), m.discovery), ("192.168.1.10", 1883, "beckon/hall", true));
    assert_eq!(c.actions.len(), 4, "the GPIO actions stay GPIO actions");
    assert_eq!(
        c.remote,
        [crate::actions::RemoteAction {
            label: 4,
            on: crate::actions::Trigger::Both,
            kind: crate::actions::RemoteKind::Mqtt { topic: "home/lamp/set".into(), payload: "TOGGLE".into(), qos: 0, retain: true },
            hand: None,
            motion: None,
            pose: None,
        }]
    );
    assert!(c.describe_actions(&labels()).iter().any(|l| l == "\"4\" → MQTT home/lamp/set (on start and end)"));
    // Without a client_id: named for the host in topics and Home Assistant, unique at the broker
    // (two Pis both called raspberrypi must not throw each other off).
    let default = resolve(&mqtt.replacen("client_id = \"hall\"\n", "", 1)).unwrap().mqtt.unwrap();
    let node = format!("beckon-{}", crate::files::hostname().unwrap_or_else(|| "pi".into()));
    assert_eq!((default.node.as_str(), default.topic.clone()), (node.as_str(), format!("beckon/{node}")));
    match crate::files::machine_id() {
        Some(id) => assert_eq!(default.client_id, format!("{node}-{id}")),
        None => assert_eq!(default.client_id, node),
    }
    let line = |needle: &str| mqtt[..mqtt.find(needle).unwrap()].matches('\n').count() + 1;
    let cases = [
        ("on = \"both\"", "on = \"always\"", "on", "expected \"start\", \"end\" or \"both\""),
        ("qos = 0", "qos = 3", "qos", "expected 0, 1 or 2"),
        ("mqtt = \"home/lamp/set\"", "mqtt = \"home/#\"", "mqtt", "no + or # wildcards"),
        ("mqtt = \"home/lamp/set\"", "pins = [9]\nmqtt = \"home/lamp/set\"", "mqtt", "already has pins"),
        ("payload = \"TOGGLE\"", "payload = \"TOGGLE\"\nmode = \"blink\"", "mode", "is for pins"),
    ];
    for (from, to, key, words) in cases {
        let e = error(&mqtt.replacen(from, to, 1));
        let expected = format!("beckon.toml:{}: action[4].{key}", line(from) + to.matches('\n').count());
        assert!(e.starts_with(&expected) && e.contains(words), "{from} → {to}: got {e:?}, expected {expected} … {words}");
    }
    let e = error(&mqtt.replacen("host = \"192.168.1.10\"", "host = \"192.168.1.10\"\npassword_file = \"/nonexistent/pw\"\nusername = \"b\"", 1));
    assert!(e.starts_with(&format!("beckon.toml:{}: mqtt.password_file: cannot read /nonexistent/pw", line("client_id"))), "{e}");
    let e = error(&mqtt.replacen("host = \"192.168.1.10\"", "host = \"192.168.1.10\"\nport = 70000", 1));
    assert!(e.contains("mqtt.port: 70000 is not a TCP port"), "{e}");
    let e = error(&mqtt.replacen("[mqtt]\nhost = \"192.168.1.10\"\nclient_id = \"hall\"\ndiscovery = true\n", "", 1));
    assert!(e.contains("action[4].mqtt: needs a broker: add an [mqtt] table"), "{e}");
    let e = error(&mqtt.replacen("mqtt = \"home/lamp/set\"", "url = \"http://x\"", 1));
    assert!(e.contains("unknown field `url`"), "an unknown action key is named: {e}");
    let e = error(&mqtt.replacen("mqtt = \"home/lamp/set\"", "", 1));
    assert!(e.contains("action[4].pins: missing: an action switches pins"), "{e}");
}

/// HTTP and command actions, and their mistakes.
#[test]
fn http_and_exec_actions_and_their_mistakes() {
    let text = format!(
        "{GOOD}\n[[action]]\nlabel = \"4\"\nhttp = \"http://hass.local:8123/api/webhook/beckon\"\nbody = '{{\"g\": \"{{label}}\"}}'\ntimeout_ms = 800\n\n[[action]]\nlabel = \"4\"\nexec = [\"/usr/local/bin/lamp\", \"toggle\"]\non = \"end\"\n"
    );
    let c = resolve(&text).unwrap();
    use crate::actions::{RemoteKind, Trigger};
    assert_eq!(
        c.remote[0].kind,
        RemoteKind::Http {
            method: "POST".into(),
            url: "http://hass.local:8123/api/webhook/beckon".into(),
            body: Some(r#"{"g": "{label}"}"#.into()),
            timeout: Duration::from_millis(800)
        }
    );
    assert_eq!(c.remote[1].kind, RemoteKind::Exec { argv: vec!["/usr/local/bin/lamp".into(), "toggle".into()], timeout: Duration::from_secs(5) });
    assert_eq!(c.remote[1].on, Trigger::End);
    let cases = [
        ("http = \"http://hass.local", "http = \"https://hass.local", "action[4].http", "plain HTTP only"),
        ("http = \"http://hass.local", "http = \"hass.local", "action[4].http", "not an http:// URL"),
        ("timeout_ms = 800", "timeout_ms = 0", "action[4].timeout_ms", "expected 1 to 600000"),
        ("timeout_ms = 800", "timeout_ms = 800\nmethod = \"DELETE\"", "action[4].method", "expected \"POST\", \"PUT\" or \"GET\""),
        ("timeout_ms = 800", "timeout_ms = 800\nmethod = \"GET\"", "action[4].body", "a GET request has no body"),
        ("timeout_ms = 800", "timeout_ms = 800\nqos = 1", "action[4].qos", "is for mqtt actions; this one is http"),
        ("exec = [\"/usr/local/bin/lamp\", \"toggle\"]", "exec = []", "action[5].exec", "empty"),
        ("on = \"end\"", "on = \"end\"\npayload = \"x\"", "action[5].payload", "is for mqtt actions; this one is exec"),
    ];
    for (from, to, key, words) in cases {
        let e = error(&text.replacen(from, to, 1));
        let at = text.replacen(from, to, 1);
        let key_name = key.rsplit('.').next().unwrap();
        let expected_line = at[..at.find(&format!("\n{key_name} =")).map_or_else(|| at.find(to).unwrap(), |p| p + 1)].matches('\n').count() + 1;
        let expected = format!("beckon.toml:{expected_line}: {key}");
        assert!(e.starts_with(&expected) && e.contains(words), "{from} → {to}: got {e:?}, expected {expected} … {words}");
    }
}

#[test]
fn an_action_names_a_hand_or_any() {
    let c = resolve(&GOOD.replacen("[[action]]", "[[action]]\nhand = \"right\"", 1)).unwrap();
    assert_eq!(c.actions[0].hand, Some(crate::hand::Side::Right));
    assert!(c.describe_actions(&labels())[0].contains("by the right hand"), "{:?}", c.describe_actions(&labels()));
    let c = resolve(&GOOD.replacen("[[action]]", "[[action]]\nhand = \"any\"", 1)).unwrap();
    assert_eq!(c.actions[0].hand, None);
    let e = error(&GOOD.replacen("[[action]]", "[[action]]\nhand = \"middle\"", 1));
    assert!(e.starts_with("beckon.toml:") && e.contains("action[0].hand: \"middle\"; expected \"left\", \"right\" or \"any\""), "{e}");
}

/// Relay boards: `[gpio] active_low` for every output, an action's own `active_low` over it;
/// one pin cannot be wired both ways.
#[test]
fn active_low_outputs() {
    let cfg =
        resolve("[gpio]\nactive_low = true\n[[action]]\nlabel = \"1\"\npins = [17, 23]\n[[action]]\nlabel = \"2\"\npins = [27]\nactive_low = false\n").unwrap();
    assert_eq!(cfg.pins, [17, 23, 27]);
    assert_eq!(cfg.active_low, [17, 23]);
    let cfg = resolve("[[action]]\nlabel = \"1\"\npins = [17]\n[[action]]\nlabel = \"2\"\npins = [23]\nactive_low = true\n").unwrap();
    assert_eq!(cfg.active_low, [23]);
    let e = error("[[action]]\nlabel = \"1\"\npins = [23]\n[[action]]\nlabel = \"2\"\npins = [23]\nactive_low = true\n");
    assert!(e.starts_with("beckon.toml:7: action[1].active_low:") && e.contains("GPIO23 is active-low here but active-high in action[0]"), "{e}");
}

/// Issue 33, row 15: ports and hosts that cannot work are refused when the file is read (not at
/// the first gesture); an upper-case HTTPS gets the plain-HTTP reason; a password in a URL is
/// never printed in the action list.
#[test]
fn urls_hosts_and_ports_that_cannot_work_are_refused_and_passwords_not_printed() {
    let with = |extra: &str| format!("{GOOD}\n{extra}");
    let http = |url: &str| with(&format!("[[action]]\nlabel = \"4\"\nhttp = \"{url}\"\n"));
    let e = error(&http("http://127.0.0.1:99999/x"));
    assert!(e.contains("action[4].http") && e.contains("99999 is not a TCP port"), "{e}");
    let e = error(&http("HTTPS://ha.local/x"));
    assert!(e.contains("plain HTTP only"), "{e}");
    assert!(resolve(&http("HTTP://ha.local:8123/x")).is_ok(), "the scheme's case does not matter");
    let e = error(&with("[mqtt]\nhost = \"127.0.0.1:1883\"\n"));
    assert!(e.contains("mqtt.host") && e.contains("port = 1883"), "{e}");
    assert!(resolve(&with("[mqtt]\nhost = \"fd00::1\"\n")).is_ok(), "an IPv6 address is a host");
    let c = resolve(&http("http://user:pa55w0rd@ha.local/api")).unwrap();
    let lines = c.describe_actions(&labels()).join("\n");
    assert!(!lines.contains("pa55w0rd") && lines.contains("http://…@ha.local/api"), "{lines}");
}

/// `[runtime] threads`: absent is none (the run's default, 1), a count is taken, 0 is refused
/// with the line and key.
#[test]
fn runtime_threads_are_read_and_zero_refused() {
    let parse = |text: &str| Loaded::parse(Path::new("beckon.toml"), text.to_string()).unwrap();
    assert_eq!(parse(GOOD).threads().unwrap(), None);
    assert_eq!(parse(&format!("{GOOD}\n[runtime]\nthreads = 3\n")).threads().unwrap(), Some(3));
    let e = parse(&format!("{GOOD}\n[runtime]\nthreads = 0\n")).threads().unwrap_err().to_string();
    assert!(e.starts_with("beckon.toml:") && e.contains("runtime.threads") && e.contains("expected 1 or more"), "{e}");
}

/// A motion's action: pins pulsed or toggled, optionally for one pose and hand; each mistake
/// named by line and key.
#[test]
fn motion_actions_and_their_mistakes() {
    let with = |body: &str| format!("{GOOD}\n[[action]]\n{body}\n");
    let c = resolve(&with("motion = \"swipe-left\"\nlabel = \"5\"\npins = [23]\npulse_ms = 300")).unwrap();
    assert_eq!(c.motions.len(), 1);
    let m = &c.motions[0];
    assert_eq!(
        (m.motion, m.pose, m.pins.clone(), m.kind.clone()),
        (crate::motion::Motion::SwipeLeft, Some(5), vec![23], ActionKind::Pulse(Duration::from_millis(300)))
    );
    assert!(c.pins.contains(&23));
    let c = resolve(&with("motion = \"wave\"\npins = [24]\nmode = \"toggle\"\nhand = \"left\"")).unwrap();
    assert_eq!((c.motions[0].kind.clone(), c.motions[0].pose, c.motions[0].hand), (ActionKind::Toggle, None, Some(crate::hand::Side::Left)));
    assert!(c.describe_actions(&labels()).iter().any(|l| l == "motion wave by the left hand → GPIO24 (toggle)"), "{:?}", c.describe_actions(&labels()));
    // Messages, requests and commands too, once each time the motion is made.
    let c = resolve(&with("motion = \"circle-cw\"\nlabel = \"1\"\nhttp = \"http://127.0.0.1:8123/api/webhook/dim\"")).unwrap();
    let r = c.remote.last().unwrap();
    assert_eq!((r.motion, r.pose, r.hand), (Some(crate::motion::Motion::CircleCw), Some(1), None));
    let lines = c.describe_actions(&labels());
    assert!(lines.iter().any(|l| l == "motion circle-cw with \"1\" → HTTP POST http://127.0.0.1:8123/api/webhook/dim (each time)"), "{lines:?}");
    assert!(!lines.iter().any(|l| l.starts_with("\"1\" → HTTP")), "not a gesture's action: {lines:?}");
    for (body, words) in [
        ("motion = \"swipe/sideways\"\npins = [23]\npulse_ms = 300", "action[4].motion: \"swipe/sideways\"; expected one of swipe-left, swipe-right"),
        ("motion = \"wave\"\npins = [23]\nmode = \"hold\"", "action[4].mode: \"hold\"; a motion is a moment"),
        ("motion = \"wave\"\npins = [23]", "action[4].pulse_ms: missing"),
        ("motion = \"wave\"\nmqtt = \"home/wave\"", "action[4].mqtt: needs a broker"),
        ("motion = \"wave\"\nexec = [\"/bin/true\"]\non = \"end\"", "action[4].on: a motion is a moment, with no start or end"),
        ("motion = \"wave\"\nexec = [\"/bin/true\"]\npulse_ms = 300", "action[4].pulse_ms: is for pins actions; this one is exec"),
        ("motion = \"wave\"\npins = [17]\npulse_ms = 300", "action[4].pins: GPIO17 is used by another action"),
        ("motion = \"wave\"\nlabel = \"7\"\npins = [23]\npulse_ms = 300", "action[4].label: the model has no label \"7\""),
        ("pins = [23]", ": action[4].label: missing: the gesture that fires it"),
    ] {
        let e = error(&with(body));
        assert!(e.starts_with("beckon.toml:") && e.contains(words), "{body}: {e}");
    }
}
