//! Breaking-change classification between two versions of an OpenAPI 3.0 document.
