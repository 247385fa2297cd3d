-- spetl.sql (SQL Server) -- spetl's own tables (links, component state, run
-- history, Action Center, run lock). Our own design in SalesPad's naming.
-- spetl's init-db creates them where missing; safe to run again.
--
-- Statement splitting (spetl's loader, sp_schema_split, and sqlcmd/SSMS):
-- this file has lines that are only GO, so it is split at those lines and
-- each batch is sent whole. Lines starting with "--" are comments.
--
-- Hub_ID is the HubSpot account (portal) id as text. HubSpot ids are numeric
-- strings longer than 32 bits: always text. Timestamps are datetime2(3) in
-- UTC (exact milliseconds; datetime would round to 1/300 s and break
-- ">= last watermark" comparisons). Keys are varchar (index keys stay well
-- under 900 bytes); free text is nvarchar.

-- One row per link between a SalesPad/GP entity and a HubSpot object; unique
-- on both sides per hub. Entity_Key is the entity's key as text (composite
-- keys joined by the state module). Payload_Hash is the hash of the last
-- payload sent, to skip unchanged records.
IF OBJECT_ID(N'dbo.spAAIntegratedEntityLink', N'U') IS NULL
CREATE TABLE dbo.spAAIntegratedEntityLink (
    Hub_ID varchar(20) NOT NULL,
    Entity_Type varchar(20) NOT NULL
        CONSTRAINT CK_spAAIntegratedEntityLink_Type
        CHECK (Entity_Type IN ('CUSTOMER', 'CUSTOMER_ADDRESS', 'PROSPECT', 'PROSPECT_CONTACT',
                               'ITEM', 'SALES_DOCUMENT', 'SALES_LINE')),
    Entity_Key varchar(200) NOT NULL,
    HubSpot_Object_Type varchar(40) NOT NULL,
    HubSpot_ID varchar(40) NOT NULL,
    Payload_Hash varchar(64) NULL,
    Created_On datetime2(3) NOT NULL CONSTRAINT DF_spAAIntegratedEntityLink_Created_On DEFAULT (SYSUTCDATETIME()),
    Last_Exported_On datetime2(3) NULL,
    Modified_On datetime2(3) NOT NULL CONSTRAINT DF_spAAIntegratedEntityLink_Modified_On DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT PK_spAAIntegratedEntityLink PRIMARY KEY (Hub_ID, Entity_Type, Entity_Key),
    CONSTRAINT UQ_spAAIntegratedEntityLink_HubSpot UNIQUE (Hub_ID, HubSpot_Object_Type, HubSpot_ID)
);
GO

-- Per component: the minimum create/modified dates of the next run.
IF OBJECT_ID(N'dbo.spAAComponentState', N'U') IS NULL
CREATE TABLE dbo.spAAComponentState (
    Hub_ID varchar(20) NOT NULL,
    Component varchar(48) NOT NULL,
    Minimum_Create_Date datetime2(3) NULL,
    Minimum_Modified_Date datetime2(3) NULL,
    Updated_On datetime2(3) NOT NULL CONSTRAINT DF_spAAComponentState_Updated_On DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT PK_spAAComponentState PRIMARY KEY (Hub_ID, Component)
);
GO

-- One row per component run (Component '*' may stand for the whole run).
-- Old rows are deleted by Started_On (history retention).
IF OBJECT_ID(N'dbo.spAARunHistory', N'U') IS NULL
CREATE TABLE dbo.spAARunHistory (
    History_ID bigint IDENTITY(1,1) NOT NULL,
    Run_ID varchar(64) NOT NULL,
    Hub_ID varchar(20) NOT NULL,
    Job_Name nvarchar(200) NOT NULL,
    Component varchar(48) NOT NULL,
    Started_On datetime2(3) NOT NULL CONSTRAINT DF_spAARunHistory_Started_On DEFAULT (SYSUTCDATETIME()),
    Finished_On datetime2(3) NULL,
    Status varchar(20) NOT NULL,
    Records_Read int NOT NULL CONSTRAINT DF_spAARunHistory_Read DEFAULT (0),
    Records_Created int NOT NULL CONSTRAINT DF_spAARunHistory_Created DEFAULT (0),
    Records_Updated int NOT NULL CONSTRAINT DF_spAARunHistory_Updated DEFAULT (0),
    Records_Linked int NOT NULL CONSTRAINT DF_spAARunHistory_Linked DEFAULT (0),
    Records_Unchanged int NOT NULL CONSTRAINT DF_spAARunHistory_Unchanged DEFAULT (0),
    Records_Skipped int NOT NULL CONSTRAINT DF_spAARunHistory_Skipped DEFAULT (0),
    Records_Failed int NOT NULL CONSTRAINT DF_spAARunHistory_Failed DEFAULT (0),
    Message nvarchar(2000) NULL,
    CONSTRAINT PK_spAARunHistory PRIMARY KEY (History_ID),
    CONSTRAINT UQ_spAARunHistory_Run UNIQUE (Run_ID, Component)
);
GO
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_spAARunHistory_Hub_Started'
               AND object_id = OBJECT_ID(N'dbo.spAARunHistory'))
CREATE INDEX IX_spAARunHistory_Hub_Started ON dbo.spAARunHistory (Hub_ID, Started_On);
GO

-- Action Center: one row per failed record, with what, why and HubSpot's
-- correlation id. Resolved_On is set when the record later succeeds or a
-- person dismisses it (`spetl errors --dismiss`: Dismissed_By is the OS user,
-- Dismissed_On when; init-db adds both to a table created without them).
IF OBJECT_ID(N'dbo.spAAActionCenter', N'U') IS NULL
CREATE TABLE dbo.spAAActionCenter (
    Error_ID bigint IDENTITY(1,1) NOT NULL,
    Run_ID varchar(64) NOT NULL,
    Hub_ID varchar(20) NOT NULL,
    Component varchar(48) NOT NULL,
    Entity_Type varchar(20) NULL,
    Entity_Key varchar(200) NULL,
    Category varchar(64) NOT NULL,
    Message nvarchar(2000) NOT NULL,
    HTTP_Status int NULL,
    Correlation_ID varchar(64) NULL,
    Created_On datetime2(3) NOT NULL CONSTRAINT DF_spAAActionCenter_Created_On DEFAULT (SYSUTCDATETIME()),
    Resolved_On datetime2(3) NULL,
    Dismissed_By varchar(128) NULL,
    Dismissed_On datetime2(3) NULL,
    CONSTRAINT PK_spAAActionCenter PRIMARY KEY (Error_ID)
);
GO
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_spAAActionCenter_Hub_Open'
               AND object_id = OBJECT_ID(N'dbo.spAAActionCenter'))
CREATE INDEX IX_spAAActionCenter_Hub_Open ON dbo.spAAActionCenter (Hub_ID, Resolved_On, Created_On);
GO
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_spAAActionCenter_Run'
               AND object_id = OBJECT_ID(N'dbo.spAAActionCenter'))
CREATE INDEX IX_spAAActionCenter_Run ON dbo.spAAActionCenter (Run_ID);
GO
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_spAAActionCenter_Entity'
               AND object_id = OBJECT_ID(N'dbo.spAAActionCenter'))
CREATE INDEX IX_spAAActionCenter_Entity ON dbo.spAAActionCenter (Hub_ID, Entity_Type, Entity_Key);
GO

-- At most one run per hub: a run inserts its row (the primary key refuses a
-- second), refreshes Heartbeat_On, and deletes the row when it ends. A row
-- whose heartbeat is old belongs to a dead run and may be taken over.
IF OBJECT_ID(N'dbo.spAARunLock', N'U') IS NULL
CREATE TABLE dbo.spAARunLock (
    Hub_ID varchar(20) NOT NULL,
    Run_ID varchar(64) NOT NULL,
    Host nvarchar(255) NOT NULL,
    PID int NOT NULL,
    Acquired_On datetime2(3) NOT NULL CONSTRAINT DF_spAARunLock_Acquired_On DEFAULT (SYSUTCDATETIME()),
    Heartbeat_On datetime2(3) NOT NULL CONSTRAINT DF_spAARunLock_Heartbeat_On DEFAULT (SYSUTCDATETIME()),
    CONSTRAINT PK_spAARunLock PRIMARY KEY (Hub_ID)
);
GO
