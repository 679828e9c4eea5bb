import GRDB

/// Versioned migrations. A migration, once shipped, is never edited: add the next one.
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE contact (
                    name TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
                    public_key BLOB NOT NULL UNIQUE CHECK (length(public_key) = 32),
                    sender_id BLOB NOT NULL UNIQUE CHECK (length(sender_id) = 8),
                    node INTEGER CHECK (node IS NULL OR node BETWEEN 1 AND 4294967294),
                    node_given INTEGER NOT NULL DEFAULT 0,
                    added_at REAL NOT NULL,
                    verified_at REAL,
                    last_heard_at REAL
                );

                -- Envelopes only. The text inside exists in memory at display time, never here.
                CREATE TABLE message (
                    id TEXT NOT NULL PRIMARY KEY,
                    peer BLOB NOT NULL CHECK (length(peer) = 8),
                    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                    envelope BLOB NOT NULL,
                    sender_id BLOB NOT NULL CHECK (length(sender_id) = 8),
                    nonce BLOB NOT NULL CHECK (length(nonce) = 24),
                    created_at REAL NOT NULL,
                    received_at REAL,
                    state TEXT NOT NULL,
                    failure TEXT,
                    packet_id INTEGER,
                    to_node INTEGER,
                    from_node INTEGER,
                    hops INTEGER,
                    rssi INTEGER,
                    snr REAL,
                    channel INTEGER NOT NULL DEFAULT 0,
                    hop_limit INTEGER,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    updated_at REAL NOT NULL,
                    -- The same envelope heard twice (direct and relayed, or replayed) is one message.
                    UNIQUE (sender_id, nonce)
                );
                CREATE INDEX message_peer ON message (peer, created_at);
                CREATE INDEX message_state ON message (direction, state);
                CREATE INDEX message_packet ON message (packet_id);

                -- Our own transmissions' time on air, for the duty-cycle ledger across processes.
                CREATE TABLE airtime (
                    started_at REAL NOT NULL,
                    milliseconds REAL NOT NULL CHECK (milliseconds >= 0)
                );
                CREATE INDEX airtime_started ON airtime (started_at);
                """)
        }
        m.registerMigration("v2: nodes seen") { db in
            // Nodes other than the contact's own that their authenticated envelopes arrived
            // from: shown to the user, never used to re-point the contact.
            try db.execute(sql: """
                CREATE TABLE node_seen (
                    sender_id BLOB NOT NULL CHECK (length(sender_id) = 8),
                    node INTEGER NOT NULL CHECK (node BETWEEN 1 AND 4294967294),
                    first_seen REAL NOT NULL,
                    last_seen REAL NOT NULL,
                    count INTEGER NOT NULL DEFAULT 1,
                    PRIMARY KEY (sender_id, node)
                );
                """)
        }
        m.registerMigration("v3: receipts, requests, settings") { db in
            try db.execute(sql: """
                -- When the user was shown an incoming message (for read receipts).
                ALTER TABLE message ADD COLUMN read_at REAL;
                -- For an incoming message, the receipt already sent: 0 none, 1 delivered, 2 read.
                -- Rows from before v3 count as receipted, so an upgrade sends no backlog.
                ALTER TABLE message ADD COLUMN receipt_sent INTEGER NOT NULL DEFAULT 1
                    CHECK (receipt_sent BETWEEN 0 AND 2);
                CREATE INDEX message_receipt ON message (direction, receipt_sent);

                -- Contact requests heard on the air, waiting for the user. Bounded in number
                -- and age by the store; a public key appears once.
                CREATE TABLE contact_request (
                    public_key BLOB NOT NULL PRIMARY KEY CHECK (length(public_key) = 32),
                    display_name TEXT NOT NULL CHECK (length(CAST(display_name AS BLOB)) BETWEEN 0 AND 32),
                    node INTEGER CHECK (node IS NULL OR node BETWEEN 1 AND 4294967294),
                    -- 1 when it came as an authenticated answer to a request of ours.
                    answer INTEGER NOT NULL DEFAULT 0,
                    received_at REAL NOT NULL,
                    count INTEGER NOT NULL DEFAULT 1
                );

                -- Frames that are not messages of a conversation (contact requests and
                -- answers), waiting for whichever process holds the radio. Public data only.
                CREATE TABLE frame_outbox (
                    id TEXT NOT NULL PRIMARY KEY,
                    frame BLOB NOT NULL CHECK (length(frame) BETWEEN 1 AND 233),
                    to_node INTEGER CHECK (to_node IS NULL OR to_node BETWEEN 1 AND 4294967294),
                    created_at REAL NOT NULL,
                    sent_at REAL,
                    packet_id INTEGER
                );

                CREATE TABLE setting (
                    key TEXT NOT NULL PRIMARY KEY,
                    value TEXT NOT NULL
                );
                """)
        }
        m.registerMigration("v4: transfers") { db in
            try db.execute(sql: """
                -- A long message or file: its row holds chunk 0's envelope; all its chunks
                -- (ciphertext, each its own envelope) are in `chunk`.
                ALTER TABLE message ADD COLUMN transfer_id INTEGER;
                ALTER TABLE message ADD COLUMN chunk_count INTEGER;

                CREATE TABLE chunk (
                    peer BLOB NOT NULL CHECK (length(peer) = 8),
                    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                    transfer_id INTEGER NOT NULL CHECK (transfer_id BETWEEN 0 AND 4294967295),
                    idx INTEGER NOT NULL CHECK (idx BETWEEN 0 AND 127),
                    count INTEGER NOT NULL CHECK (count BETWEEN 1 AND 128),
                    envelope BLOB NOT NULL,
                    nonce BLOB NOT NULL CHECK (length(nonce) = 24),
                    -- Outgoing: the receiver said it holds it; how many packets carried it.
                    held INTEGER NOT NULL DEFAULT 0,
                    sends INTEGER NOT NULL DEFAULT 0,
                    at REAL NOT NULL,
                    PRIMARY KEY (peer, direction, transfer_id, idx),
                    UNIQUE (nonce)
                );
                """)
        }
        m.registerMigration("v5: ratchet") { db in
            try db.execute(sql: """
                -- A ratcheted message as the local store keeps it: sealed under the storage key
                -- (derived from the identity), so `history` needs no ratchet key, and the
                -- envelope's own keys can be erased.
                ALTER TABLE message ADD COLUMN local_copy BLOB;

                -- Each contact's ratchet (RatchetState, JSON): secrets, so the file stays 0600
                -- and superseded secrets are overwritten (secure_delete, then a WAL truncate).
                CREATE TABLE ratchet (
                    peer BLOB NOT NULL PRIMARY KEY CHECK (length(peer) = 8),
                    state BLOB NOT NULL,
                    -- 1 once the contact sent a 0x06 frame or a receipt with a ratchet part.
                    capable INTEGER NOT NULL DEFAULT 0,
                    -- When we last offered ours in a receipt a v2 build would drop, and how often.
                    offered_at REAL,
                    offers INTEGER NOT NULL DEFAULT 0,
                    updated_at REAL NOT NULL
                );
                """)
        }
        m.registerMigration("v6: a second way out") { db in
            try db.execute(sql: """
                -- `send --via both`: the same message also went out another way (the broker when
                -- packet_id is the radio's); an ACK for either packet id moves the message on.
                ALTER TABLE message ADD COLUMN alt_packet_id INTEGER;
                """)
        }
        m.registerMigration("v7: seen") { db in
            try db.execute(sql: """
                -- When an incoming message was first shown to the user (tail to a terminal, chat):
                -- unread counts. Separate from read_at, which is kept only while read receipts are
                -- on, so turning them on later never reports what was read before. What came
                -- before this column counts as seen.
                ALTER TABLE message ADD COLUMN seen_at REAL;
                UPDATE message SET seen_at = COALESCE(received_at, created_at) WHERE direction = 'in';
                """)
        }
        m.registerMigration("v8: resends") { db in
            try db.execute(sql: """
                -- End-to-end resending (Delivery.ResendEngine): an outgoing message's sends and when
                -- it is next due live on its row, so a restarted tail carries on. next_attempt_at
                -- is NULL once a receipt came, the message failed, or it was never sent.
                ALTER TABLE message ADD COLUMN first_sent_at REAL;
                ALTER TABLE message ADD COLUMN last_sent_at REAL;
                ALTER TABLE message ADD COLUMN next_attempt_at REAL;
                -- Sends in the current round (`attempts` counts every packet that ever carried it;
                -- 'outbox retry' starts a new round).
                ALTER TABLE message ADD COLUMN round_sends INTEGER NOT NULL DEFAULT 0 CHECK (round_sends >= 0);
                CREATE INDEX message_next_attempt ON message (next_attempt_at) WHERE next_attempt_at IS NOT NULL;

                -- When the contact's node was last set (by the user, or by their authenticated
                -- receipt or accept): a receipt for a message sent before then cannot move it.
                ALTER TABLE contact ADD COLUMN node_bound_at REAL;

                -- An outgoing transfer: when the receiver's last bitmap receipt came (a late one
                -- within the hour adds to what it says instead of clearing chunks it holds).
                ALTER TABLE message ADD COLUMN bitmap_at REAL;
                -- ...and how many probes in a row its receiver has not answered.
                ALTER TABLE message ADD COLUMN silent_probes INTEGER NOT NULL DEFAULT 0 CHECK (silent_probes >= 0);

                -- Each contact's learned round trip (send to receipt), smoothed as RFC 6298 does.
                CREATE TABLE round_trip (
                    peer BLOB NOT NULL PRIMARY KEY CHECK (length(peer) = 8),
                    smoothed REAL NOT NULL CHECK (smoothed >= 0),
                    variation REAL NOT NULL CHECK (variation >= 0),
                    samples INTEGER NOT NULL CHECK (samples >= 0),
                    updated_at REAL NOT NULL
                );

                -- What retention deleted, so a recording of it replayed later is never shown as
                -- new: a keyed 16-byte digest of (sender_id, nonce) per incoming envelope (message
                -- or chunk), no time, no sender in the clear (Messenger.replayDigest).
                CREATE TABLE retired_envelope (
                    digest BLOB NOT NULL PRIMARY KEY CHECK (length(digest) = 16)
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v9: groups") { db in
            try db.execute(sql: """
                -- A group this home belongs to (or did). Its posts are `message` rows whose peer is
                -- the group id, in both directions; the poster is the row's sender_id.
                CREATE TABLE chat_group (
                    id BLOB NOT NULL PRIMARY KEY CHECK (length(id) = 8),
                    name TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    -- The creator's public key: the only one whose rosters are taken.
                    creator BLOB NOT NULL CHECK (length(creator) = 32),
                    epoch INTEGER NOT NULL CHECK (epoch BETWEEN 0 AND 255),
                    state TEXT NOT NULL CHECK (state IN ('member', 'left', 'removed')),
                    -- The creator's own copy of the current epoch secret, to send the roster to a
                    -- member again; a member erases it once it has derived the chains.
                    epoch_secret BLOB CHECK (epoch_secret IS NULL OR length(epoch_secret) = 32),
                    created_at REAL NOT NULL,
                    updated_at REAL NOT NULL
                );

                -- The members of the current epoch, as the creator's roster names them.
                CREATE TABLE group_member (
                    group_id BLOB NOT NULL REFERENCES chat_group(id) ON DELETE CASCADE,
                    sender_id BLOB NOT NULL CHECK (length(sender_id) = 8),
                    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
                    name TEXT NOT NULL,
                    PRIMARY KEY (group_id, sender_id)
                ) WITHOUT ROWID;

                -- Each member's sending chain (LoraCrypto.GroupChain, JSON): secrets, overwritten
                -- as they move on. A superseded epoch's chains stay an hour for posts on their way.
                CREATE TABLE group_chain (
                    group_id BLOB NOT NULL REFERENCES chat_group(id) ON DELETE CASCADE,
                    epoch INTEGER NOT NULL CHECK (epoch BETWEEN 0 AND 255),
                    sender_id BLOB NOT NULL CHECK (length(sender_id) = 8),
                    state BLOB NOT NULL,
                    retiring_since REAL,
                    PRIMARY KEY (group_id, epoch, sender_id)
                ) WITHOUT ROWID;

                -- Posts that cannot be opened yet (their roster has not arrived): the frame as
                -- heard, opened when it comes. Bounded in number and age.
                CREATE TABLE group_held (
                    frame BLOB NOT NULL PRIMARY KEY CHECK (length(frame) BETWEEN 1 AND 233),
                    group_id BLOB NOT NULL CHECK (length(group_id) = 8),
                    from_node INTEGER,
                    received_at REAL NOT NULL
                );

                -- Which members acknowledged an outgoing post (frame 0x08).
                CREATE TABLE post_ack (
                    message_id TEXT NOT NULL REFERENCES message(id) ON DELETE CASCADE,
                    member BLOB NOT NULL CHECK (length(member) = 8),
                    at REAL NOT NULL,
                    PRIMARY KEY (message_id, member)
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v10: mailbox") { db in
            try db.execute(sql: """
                -- On a mailbox (`mailbox serve`): the contacts that asked it to hold their frames.
                CREATE TABLE mailbox_user (
                    sender_id BLOB NOT NULL PRIMARY KEY CHECK (length(sender_id) = 8),
                    registered_at REAL NOT NULL
                ) WITHOUT ROWID;

                -- On a mailbox: sealed frames held for its users. Ciphertext only: the recipient,
                -- the claimed sender, sizes and times are all it learns.
                CREATE TABLE mailbox_held (
                    digest BLOB NOT NULL PRIMARY KEY CHECK (length(digest) = 32),
                    recipient BLOB NOT NULL CHECK (length(recipient) = 8),
                    sender BLOB NOT NULL CHECK (length(sender) = 8),
                    from_node INTEGER,
                    frame BLOB NOT NULL CHECK (length(frame) BETWEEN 10 AND 200),
                    received_at REAL NOT NULL,
                    handed_at REAL,
                    hands INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID;
                CREATE INDEX mailbox_held_recipient ON mailbox_held (recipient, received_at);

                -- The latest time taken from each maker for each op of frame 0x09: a replayed
                -- frame (not later) is refused.
                CREATE TABLE mailbox_clock (
                    maker BLOB NOT NULL CHECK (length(maker) = 8),
                    op INTEGER NOT NULL,
                    time INTEGER NOT NULL,
                    PRIMARY KEY (maker, op)
                ) WITHOUT ROWID;

                -- A contact's mailbox, as their own authenticated advert says (never a third party).
                ALTER TABLE contact ADD COLUMN mailbox_node INTEGER;
                ALTER TABLE contact ADD COLUMN mailbox_sender BLOB;
                -- When we last told this contact our own mailbox.
                ALTER TABLE contact ADD COLUMN mailbox_told_at REAL;

                -- Outgoing: when a copy was left with the recipient's mailbox.
                ALTER TABLE message ADD COLUMN mailboxed_at REAL;

                -- Frames our mailbox handed us that it has not yet been told we hold.
                CREATE TABLE mailbox_owed (
                    ref BLOB NOT NULL PRIMARY KEY CHECK (length(ref) = 6),
                    at REAL NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        m.registerMigration("v11: a stale node") { db in
            try db.execute(sql: """
                -- When the radio refused a DM to the contact's node for lack of its key (firmware
                -- 2.8 renumbers a radio once on upgrade: the old number is a keyless ghost). From
                -- then on the contact's own authenticated receipt may re-point even a node the
                -- user gave.
                ALTER TABLE contact ADD COLUMN node_refused_at REAL;
                """)
        }
        m.registerMigration("v12: a contact's radio key") { db in
            try db.execute(sql: """
                -- The public key of the contact's radio, as a NodeInfo from their node told it to
                -- ours (first use kept, as the firmware pins it). Firmware 2.8 numbers a radio by
                -- the CRC32 of this key, so a node that is not its CRC32 is never bound.
                ALTER TABLE contact ADD COLUMN radio_key BLOB CHECK (radio_key IS NULL OR length(radio_key) = 32);
                ALTER TABLE contact ADD COLUMN radio_key_seen_at REAL;
                -- When lora-msg last asked their radio for its NodeInfo (want_response); the
                -- firmware answers one requester at most every 12 hours.
                ALTER TABLE contact ADD COLUMN radio_key_asked_at REAL;
                """)
        }
        return m
    }
}
