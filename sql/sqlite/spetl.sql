-- spetl.sql (SQLite) -- spetl's own tables (links, component state, run
-- history, Action Center, run lock). Our own design in SalesPad's naming.
-- spetl's init-db creates them where missing; safe to run again.
--
-- Statement splitting (spetl's loader, sp_schema_split): a statement ends at
-- a line whose last non-blank character is ';'. Inside a trigger's BEGIN ... END
-- body the statement ends only at a line ending in "END;". Lines starting with "--"
-- are comments.
--
-- Hub_ID is the HubSpot account (portal) id as text. HubSpot ids are numeric
-- strings longer than 32 bits: always text. Timestamps are UTC text
-- 'YYYY-MM-DD HH:MM:SS.fff'.

-- One row per link between a SalesPad/GP entity and a HubSpot object; unique
-- on both sides per hub. Entity_Key is the entity's key as text (composite
-- keys joined by the state module). Payload_Hash is the hash of the last
-- payload sent, to skip unchanged records.
--
-- SQLite specifics (the same rows and refusals as the other databases):
-- WITHOUT ROWID makes the primary key the table, as SQL Server's clustered
-- key does: a link is written to two B-trees, not three (a first export
-- writes hundreds of thousands), and a page read's join finds HubSpot_ID in
-- the key's own B-tree. The CHECK compares with '=' one value at a time:
-- SQLite evaluates "IN (list)" in a CHECK by building a temporary index of
-- the list for every row written.
CREATE TABLE IF NOT EXISTS spAAIntegratedEntityLink (
    Hub_ID varchar(20) NOT NULL,
    Entity_Type varchar(20) NOT NULL
        CHECK (Entity_Type = 'CUSTOMER' OR Entity_Type = 'CUSTOMER_ADDRESS' OR Entity_Type = 'PROSPECT'
               OR Entity_Type = 'PROSPECT_CONTACT' OR Entity_Type = 'ITEM'
               OR Entity_Type = 'SALES_DOCUMENT' OR Entity_Type = 'SALES_LINE'),
    Entity_Key varchar(200) NOT NULL,
    HubSpot_Object_Type varchar(40) NOT NULL,
    HubSpot_ID varchar(40) NOT NULL,
    Payload_Hash varchar(64) NULL,
    Created_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    Last_Exported_On datetime NULL,
    Modified_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    CONSTRAINT PK_spAAIntegratedEntityLink PRIMARY KEY (Hub_ID, Entity_Type, Entity_Key),
    CONSTRAINT UQ_spAAIntegratedEntityLink_HubSpot UNIQUE (Hub_ID, HubSpot_Object_Type, HubSpot_ID)
) WITHOUT ROWID;

-- Per component: the minimum create/modified dates of the next run.
CREATE TABLE IF NOT EXISTS spAAComponentState (
    Hub_ID varchar(20) NOT NULL,
    Component varchar(48) NOT NULL,
    Minimum_Create_Date datetime NULL,
    Minimum_Modified_Date datetime NULL,
    Updated_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    CONSTRAINT PK_spAAComponentState PRIMARY KEY (Hub_ID, Component)
);

-- One row per component run (Component '*' may stand for the whole run).
-- Old rows are deleted by Started_On (history retention).
CREATE TABLE IF NOT EXISTS spAARunHistory (
    History_ID integer PRIMARY KEY AUTOINCREMENT,
    Run_ID varchar(64) NOT NULL,
    Hub_ID varchar(20) NOT NULL,
    Job_Name varchar(200) NOT NULL,
    Component varchar(48) NOT NULL,
    Started_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    Finished_On datetime NULL,
    Status varchar(20) NOT NULL,
    Records_Read integer NOT NULL DEFAULT 0,
    Records_Created integer NOT NULL DEFAULT 0,
    Records_Updated integer NOT NULL DEFAULT 0,
    Records_Linked integer NOT NULL DEFAULT 0,
    Records_Unchanged integer NOT NULL DEFAULT 0,
    Records_Skipped integer NOT NULL DEFAULT 0,
    Records_Failed integer NOT NULL DEFAULT 0,
    Message varchar(2000) NULL,
    CONSTRAINT UQ_spAARunHistory_Run UNIQUE (Run_ID, Component)
);
CREATE INDEX IF NOT EXISTS IX_spAARunHistory_Hub_Started ON spAARunHistory (Hub_ID, Started_On);

-- Action Center: one row per failed record, with what, why and HubSpot's
-- correlation id. Resolved_On is set when the record later succeeds or a
-- person dismisses it (`spetl errors --dismiss`: Dismissed_By is the OS user,
-- Dismissed_On when; init-db adds both to a table created without them).
CREATE TABLE IF NOT EXISTS spAAActionCenter (
    Error_ID integer PRIMARY KEY AUTOINCREMENT,
    Run_ID varchar(64) NOT NULL,
    Hub_ID varchar(20) NOT NULL,
    Component varchar(48) NOT NULL,
    Entity_Type varchar(20) NULL,
    Entity_Key varchar(200) NULL,
    Category varchar(64) NOT NULL,
    Message varchar(2000) NOT NULL,
    HTTP_Status integer NULL,
    Correlation_ID varchar(64) NULL,
    Created_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    Resolved_On datetime NULL,
    Dismissed_By varchar(128) NULL,
    Dismissed_On datetime NULL
);
CREATE INDEX IF NOT EXISTS IX_spAAActionCenter_Hub_Open ON spAAActionCenter (Hub_ID, Resolved_On, Created_On);
CREATE INDEX IF NOT EXISTS IX_spAAActionCenter_Run ON spAAActionCenter (Run_ID);
CREATE INDEX IF NOT EXISTS IX_spAAActionCenter_Entity ON spAAActionCenter (Hub_ID, Entity_Type, Entity_Key);

-- At most one run per hub: a run inserts its row (the primary key refuses a
-- second), refreshes Heartbeat_On, and deletes the row when it ends. A row
-- whose heartbeat is old belongs to a dead run and may be taken over.
CREATE TABLE IF NOT EXISTS spAARunLock (
    Hub_ID varchar(20) NOT NULL,
    Run_ID varchar(64) NOT NULL,
    Host varchar(255) NOT NULL,
    PID integer NOT NULL,
    Acquired_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    Heartbeat_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    CONSTRAINT PK_spAARunLock PRIMARY KEY (Hub_ID)
);
