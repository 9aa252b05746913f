/**
 * A loopback URL whose connections are refused, for as long as a test needs it. A port bound and released for the
 * purpose is free for any other test process to take in the meantime (a parallel emulator once answered 403 on
 * one); port 1 (tcpmux) is privileged and served by nothing here, so every connection to it is refused.
 */
export const REFUSED_URL = 'http://127.0.0.1:1'
