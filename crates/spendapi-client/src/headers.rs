//! The header names the client's modules share (a leaf module: it imports no module of this
//! crate).

/// The header carrying the Concur correlation id (from the vendor declaration).
pub const CORRELATION_ID_HEADER: &str = match crate::vendor::Vendor::Concur.correlation_header() {
    Some(header) => header,
    None => panic!("Concur echoes a correlation id header"),
};

/// Marks a response whose error body the runtime rewrote into the API's JSON error shape; the
/// value is the original `Content-Type` (`none` without one).
pub const NORMALIZED_BODY_HEADER: &str = "x-spendapi-original-content-type";

/// Carries the original bytes of an error body (base64, up to [`RAW_BODY_LIMIT`] bytes), set on
/// every error response by the `exec` hook. progenitor consumes the body of a documented error
/// status into its typed value; this header is how [`VendorError::body`](crate::VendorError::body)
/// still returns the bytes the server sent. It never leaves the process.
pub const RAW_BODY_HEADER: &str = "x-spendapi-raw-body";

/// Error bodies larger than this are not carried in [`RAW_BODY_HEADER`] (vendor error bodies are
/// a few hundred bytes; a larger one is usually an HTML error page from a proxy).
pub const RAW_BODY_LIMIT: usize = 16 * 1024;

/// An HTTP-date in the form RFC 9110 §5.6.7 says senders must use (IMF-fixdate,
/// `Tue, 14 May 2024 09:31:12 GMT`), for `If-Modified-Since` on the Concur GETs.
pub fn http_date(at: std::time::SystemTime) -> String {
    httpdate::fmt_http_date(at)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    #[test]
    fn http_dates_are_imf_fixdates() {
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_715_679_072);
        assert_eq!(super::http_date(at), "Tue, 14 May 2024 09:31:12 GMT");
    }
}
