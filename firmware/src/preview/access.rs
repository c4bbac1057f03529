//! Who may use the preview page: the `Host` a request names, and who may change anything (the
//! capture button writes files on the device; the teach page will train and switch models).
//!
//! The rule, in docs/guarantees.md too:
//!
//! - **Every request** must name this preview in `Host`: for a loopback preview `localhost` or a
//!   loopback IP; for one served to the network (`allow_remote`) an IP literal of this machine's
//!   (any, when it listens on all addresses); and in both cases any name listed in `[preview]
//!   host_names`. The port is not compared (an SSH tunnel may change it). This stops DNS
//!   rebinding: a web page the user opens on `attacker.example`, re-pointed to 127.0.0.1, still
//!   sends `Host: attacker.example` and is refused. (HTTP/1.0 requests without `Host` come from
//!   programs, not browsers, and are let through.)
//!   The machine's own host name and `<host name>.local` count as listed.
//! - **Seeing anything** on a preview served to the network with a token (the packaged one:
//!   `/etc/beckon/preview-token`) needs the token: the page itself loads, asks for the token
//!   once and gets it back as a cookie (`POST /login?token=…` → `beckon_token`, HttpOnly,
//!   SameSite=Strict); scripts send `?token=` or `X-Beckon-Token`.
//! - **Requests that change something** (POST) need the capture token when one is configured
//!   (`?token=` or `X-Beckon-Token`; the cookie only with a same-origin `Origin`). Without a token, a network preview refuses them, and a
//!   loopback preview takes them only from its own page: an `Origin` equal to
//!   `http://` + the request's `Host`, or `Sec-Fetch-Site: same-origin`. Browsers send these on
//!   every POST, so another site's page (a form, a `fetch`) is refused; a script should use a
//!   token.

use std::net::{IpAddr, SocketAddr};

use super::http::Request;

/// The access rules of one running preview.
#[derive(Debug, Clone)]
pub struct Access {
    /// The address the server listens on.
    pub listen: SocketAddr,
    /// More host names the page may be reached by (`[preview] host_names`, lower case).
    pub names: Vec<String>,
    /// `[preview] capture_token`.
    pub token: Option<String>,
}

/// Why a request was refused: (HTTP status, message for the client).
pub type Refused = (u16, String);

impl Access {
    /// `Err` unless the request's `Host` names this preview.
    pub fn check_host(&self, request: &Request) -> Result<(), Refused> {
        let Some(host) = request.host() else { return Ok(()) };
        let name = host_name(host);
        let ok = match name.parse::<IpAddr>() {
            Ok(ip) if self.listen.ip().is_unspecified() => !ip.is_unspecified() && !ip.is_multicast(),
            Ok(ip) if self.listen.ip().is_loopback() => ip.is_loopback(),
            Ok(ip) => ip == self.listen.ip(),
            Err(_) => (name == "localhost" && (self.listen.ip().is_loopback() || self.listen.ip().is_unspecified())) || self.names.contains(&name),
        };
        if ok {
            Ok(())
        } else {
            Err((
                403,
                format!(
                    "Host {host:?} is not this preview's address ({}); to reach it by that name add it to \
                     host_names in [preview]",
                    self.listen
                ),
            ))
        }
    }

    /// `Err` unless the request may see the camera and the state (see the module's rule).
    pub fn check_view(&self, request: &Request) -> Result<(), Refused> {
        let Some(want) = self.token.as_deref().filter(|_| !self.listen.ip().is_loopback()) else { return Ok(()) };
        let given = request.param("token").or_else(|| request.header("x-beckon-token").map(str::to_string)).or_else(|| cookie(request));
        match given {
            Some(got) if constant_time_eq(want.as_bytes(), got.as_bytes()) => Ok(()),
            _ => Err((401, "this preview needs its token: enter it on the page (on the device: sudo cat /etc/beckon/preview-token)".into())),
        }
    }

    /// Whether `token` is this preview's token (`POST /login`).
    pub fn is_token(&self, token: &str) -> bool {
        self.token.as_deref().is_some_and(|want| constant_time_eq(want.as_bytes(), token.as_bytes()))
    }

    /// `Err` unless this request may change something on the device (see the module's rule).
    pub fn check_change(&self, request: &Request) -> Result<(), Refused> {
        let given = request.param("token").or_else(|| request.header("x-beckon-token").map(str::to_string));
        // The page's cookie counts only on a request from the page itself.
        let given = given.or_else(|| cookie(request).filter(|_| same_origin(request)));
        let refuse = |why: &str| Err((403, why.to_string()));
        match (&self.token, given) {
            (Some(want), Some(got)) if constant_time_eq(want.as_bytes(), got.as_bytes()) => Ok(()),
            (Some(_), _) => refuse("capture refused: wrong or missing token (enter it on the page, or open it as /?token=YOUR_TOKEN)"),
            (None, _) if !self.listen.ip().is_loopback() => refuse(
                "capture refused: this preview is served to the network (allow_remote = true); set capture_token in \
                 [preview] and open the page as /?token=YOUR_TOKEN",
            ),
            (None, _) if same_origin(request) => Ok(()),
            (None, _) => refuse(
                "capture refused: the request did not come from the preview page itself (no same-origin Origin or \
                 Sec-Fetch-Site header); scripts: set capture_token in [preview] and send it as X-Beckon-Token",
            ),
        }
    }
}

/// The `beckon_token` cookie, if the request carries one.
fn cookie(request: &Request) -> Option<String> {
    request.header("cookie")?.split(';').find_map(|c| c.trim().strip_prefix("beckon_token=")).map(str::to_string)
}

/// This machine's own names: its host name and `<host name>.local` (mDNS), lower case.
pub fn own_names() -> Vec<String> {
    let name = crate::files::hostname().unwrap_or_default().to_ascii_lowercase();
    if name.is_empty() || name == "localhost" {
        return Vec::new();
    }
    vec![format!("{name}.local"), name]
}

/// The name part of a `Host` header (`name`, `name:port`, `[v6]:port`), lower case, without a
/// trailing dot.
pub fn host_name(host: &str) -> String {
    let host = host.trim();
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => host,
        },
    };
    name.trim_end_matches('.').to_ascii_lowercase()
}

/// The browser says the request comes from a page of this same origin.
fn same_origin(request: &Request) -> bool {
    let fetch_site = request.header("sec-fetch-site").map(str::trim);
    match (request.header("origin"), request.host()) {
        (Some(origin), Some(host)) => origin.trim().eq_ignore_ascii_case(&format!("http://{}", host.trim())) && fetch_site.is_none_or(|s| s == "same-origin"),
        (Some(_), None) => false,
        (None, _) => fetch_site == Some("same-origin"),
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: &str, query: &str, headers: &[(&str, &str)]) -> Request {
        Request {
            method: method.into(),
            head_only: false,
            path: "/capture".into(),
            query: query.into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        }
    }

    fn loopback() -> Access {
        Access { listen: "127.0.0.1:8080".parse().unwrap(), names: vec![], token: None }
    }

    #[test]
    fn a_network_preview_with_a_token_shows_nothing_without_it() {
        let a = Access { listen: "0.0.0.0:8080".parse().unwrap(), names: vec![], token: Some("0123456789abcdef".into()) };
        let host = ("host", "192.168.1.20:8080");
        assert_eq!(a.check_view(&request("GET", "", &[host])).unwrap_err().0, 401);
        assert_eq!(a.check_view(&request("GET", "", &[host, ("cookie", "beckon_token=guess")])).unwrap_err().0, 401);
        assert!(a.check_view(&request("GET", "", &[host, ("cookie", "theme=dark; beckon_token=0123456789abcdef")])).is_ok());
        assert!(a.check_view(&request("GET", "token=0123456789abcdef", &[host])).is_ok());
        // The cookie changes things only from the page itself (another site's form carries it
        // only if the browser sends it cross-site, and then without this Origin).
        let cookie = ("cookie", "beckon_token=0123456789abcdef");
        assert!(a.check_change(&request("POST", "", &[host, cookie, ("origin", "http://192.168.1.20:8080")])).is_ok());
        assert!(a.check_change(&request("POST", "", &[host, cookie, ("origin", "http://evil.example")])).is_err());
        assert!(a.is_token("0123456789abcdef") && !a.is_token("0123456789abcde"));
        // A loopback preview shows itself to whoever is on the machine.
        assert!(loopback().check_view(&request("GET", "", &[("host", "localhost")])).is_ok());
    }

    #[test]
    fn host_must_name_this_preview() {
        let a = loopback();
        for ok in ["localhost:8080", "127.0.0.1:8080", "LOCALHOST", "[::1]:9000", "127.0.0.1", "localhost.:8080"] {
            assert!(a.check_host(&request("GET", "", &[("host", ok)])).is_ok(), "{ok}");
        }
        for bad in ["attacker.example", "attacker.example:8080", "192.168.1.5:8080", "localhost.attacker.example", "127.0.0.1.nip.io:8080"] {
            let e = a.check_host(&request("GET", "", &[("host", bad)])).unwrap_err();
            assert_eq!(e.0, 403, "{bad}");
            assert!(e.1.contains("host_names"), "{}", e.1);
        }
        assert!(a.check_host(&request("GET", "", &[])).is_ok(), "HTTP/1.0 without Host");
        let named = Access { names: vec!["beckon.local".into()], ..loopback() };
        assert!(named.check_host(&request("GET", "", &[("host", "Beckon.local:8080")])).is_ok());
        let all = Access { listen: "0.0.0.0:8080".parse().unwrap(), ..loopback() };
        assert!(all.check_host(&request("GET", "", &[("host", "192.168.1.5:8080")])).is_ok());
        assert!(all.check_host(&request("GET", "", &[("host", "raspberrypi.local:8080")])).is_err());
    }

    #[test]
    fn changes_need_the_page_itself_or_the_token() {
        let a = loopback();
        let host = ("host", "localhost:8080");
        assert!(a.check_change(&request("POST", "label=x", &[host, ("origin", "http://localhost:8080")])).is_ok());
        assert!(a.check_change(&request("POST", "label=x", &[host, ("sec-fetch-site", "same-origin")])).is_ok());
        for headers in [
            vec![host, ("origin", "http://evil.example")],
            vec![host, ("origin", "null")],
            vec![host, ("origin", "http://localhost:8080"), ("sec-fetch-site", "cross-site")],
            vec![host, ("sec-fetch-site", "same-site")],
            vec![host],
            vec![],
        ] {
            let e = a.check_change(&request("POST", "label=x", &headers)).unwrap_err();
            assert_eq!(e.0, 403, "{headers:?}");
        }
        let with_token = Access { token: Some("s3cret-word".into()), ..loopback() };
        assert!(with_token.check_change(&request("POST", "token=s3cret-word", &[host])).is_ok());
        assert!(with_token.check_change(&request("POST", "", &[host, ("x-beckon-token", "s3cret-word")])).is_ok());
        assert!(with_token.check_change(&request("POST", "", &[host, ("origin", "http://localhost:8080")])).is_err());
        let remote = Access { listen: "0.0.0.0:8080".parse().unwrap(), ..loopback() };
        let e = remote.check_change(&request("POST", "", &[host, ("origin", "http://localhost:8080")])).unwrap_err();
        assert!(e.1.contains("capture_token"), "{}", e.1);
    }
}
