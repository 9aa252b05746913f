/**
 * Versioned schema. Each migration runs once, in order, inside one transaction with the version bump,
 * so a process killed during an upgrade leaves the previous version intact.
 */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE ledger (
        key TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ('pending','done','failed')),
        external_id TEXT,
        data TEXT NOT NULL DEFAULT '{}',
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX ledger_status ON ledger(status);

      CREATE TABLE checkpoints (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at INTEGER NOT NULL
      );

      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        identity TEXT NOT NULL UNIQUE,
        type TEXT NOT NULL,
        subject TEXT,
        payload TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued','processing','done','dead')),
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        lease_until INTEGER,
        last_error TEXT,
        received_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX events_due ON events(status, next_attempt_at);
      CREATE INDEX events_subject ON events(subject, status);

      CREATE TABLE contacts (
        contact_id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        name TEXT,
        email TEXT,
        phone_raw TEXT,
        phone_e164 TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        last_seen_at INTEGER,
        origin TEXT NOT NULL,
        indexed_at INTEGER NOT NULL
      );
      CREATE INDEX contacts_phone ON contacts(phone_e164);
      CREATE INDEX contacts_email ON contacts(email);

      CREATE TABLE fingerprints (
        fingerprint TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );

      CREATE TABLE marks (
        key TEXT PRIMARY KEY,
        at INTEGER NOT NULL
      );

      CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 2,
    // The worker's claim walks queued events in id order and stops at its limit: without this index it sorted
    // every queued row on each claim, which put tens of milliseconds in front of every webhook acknowledgement.
    sql: `CREATE INDEX events_status_id ON events(status, id);`,
  },
  {
    version: 3,
    // A step is claimed by one owner for a lease before its external write, so two processes on one store
    // (two backfills, sync beside listen, a replay beside the worker) never both write it.
    sql: `
      ALTER TABLE ledger ADD COLUMN owner TEXT;
      ALTER TABLE ledger ADD COLUMN lease_until INTEGER;
    `,
  },
  {
    version: 4,
    // A stored phone has several plausible readings (its own "+" country, the contact's location country, the
    // workspace default), each kept with how it was derived, so a national spelling is never taken for a number
    // of another country without saying so. The tail finds a national spelling for a caller of any country.
    // Readings carried over from version 3 lack locations and tails: dropping the refresh checkpoint makes the
    // next refresh a full one, which rebuilds them.
    sql: `
      CREATE TABLE contact_readings (
        contact_id TEXT NOT NULL,
        e164 TEXT NOT NULL,
        derivation TEXT NOT NULL CHECK (derivation IN ('international','contact-country','default-country')),
        PRIMARY KEY (contact_id, e164)
      ) WITHOUT ROWID;
      CREATE INDEX contact_readings_e164 ON contact_readings(e164);
      ALTER TABLE contacts ADD COLUMN country TEXT;
      ALTER TABLE contacts ADD COLUMN phone_tail TEXT;
      CREATE INDEX contacts_phone_tail ON contacts(phone_tail);
      INSERT INTO contact_readings (contact_id, e164, derivation)
        SELECT contact_id, phone_e164,
               CASE WHEN ltrim(phone_raw) LIKE '+%' THEN 'international' ELSE 'default-country' END
        FROM contacts WHERE phone_e164 IS NOT NULL;
      DROP INDEX contacts_phone;
      DELETE FROM checkpoints WHERE name = 'contacts:index';
    `,
  },
  {
    version: 5,
    // What processing an event did (the rules' trail and the objects written, as JSON), so `events show`, the
    // console and `events tail` can say that an event logged conversation 100002, not only that it is done.
    sql: `ALTER TABLE events ADD COLUMN outcome TEXT;`,
  },
  {
    version: 6,
    // Most callers are found by a phone spelled with its own country code: a lookup in the contacts table alone
    // (as before version 4) answers them, and the readings table is read only when none is.
    sql: `
      ALTER TABLE contacts ADD COLUMN phone_derivation TEXT;
      UPDATE contacts SET phone_derivation = (
        SELECT derivation FROM contact_readings r WHERE r.contact_id = contacts.contact_id AND r.e164 = contacts.phone_e164
      );
      CREATE INDEX contacts_phone_international ON contacts(phone_e164) WHERE phone_derivation = 'international';
    `,
  },
  {
    version: 7,
    // contacts dedupe plans with the address Intercom's merge validation compares (untrimmed); the index is read
    // in full again so every contact has it.
    sql: `
      ALTER TABLE contacts ADD COLUMN email_raw TEXT;
      DELETE FROM checkpoints WHERE name = 'contacts:index';
    `,
  },
  {
    version: 8,
    // The listener's state of each live call (furthest lifecycle event, why it was not logged) had one checkpoint
    // per call, `listener:call:<id>`: thousands of them hid the few run checkpoints `status` lists. They move to
    // their own table, typed; a value that is not a JSON object (never written so) moves as an empty state.
    sql: `
      CREATE TABLE call_states (
        call_id TEXT PRIMARY KEY,
        stage INTEGER NOT NULL DEFAULT 0,
        event TEXT,
        event_at INTEGER,
        not_logged TEXT,
        updated_at INTEGER NOT NULL
      );
      INSERT INTO call_states (call_id, stage, event, event_at, not_logged, updated_at)
        SELECT substr(name, 15),
               CASE WHEN json_type(doc, '$.stage') IN ('integer', 'real')
                    THEN CAST(json_extract(doc, '$.stage') AS INTEGER) ELSE 0 END,
               CASE WHEN json_type(doc, '$.event') = 'text' THEN json_extract(doc, '$.event') END,
               CASE WHEN json_type(doc, '$.timestamp') IN ('integer', 'real') THEN json_extract(doc, '$.timestamp') END,
               CASE WHEN json_type(doc, '$.notLogged') = 'text' THEN json_extract(doc, '$.notLogged') END,
               updated_at
        FROM (SELECT name, updated_at, CASE WHEN json_valid(value) THEN value ELSE '{}' END AS doc
              FROM checkpoints WHERE substr(name, 1, 14) = 'listener:call:');
      DELETE FROM checkpoints WHERE substr(name, 1, 14) = 'listener:call:';
    `,
  },
]
