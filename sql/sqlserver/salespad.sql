-- salespad.sql (SQL Server) -- SalesPad-style tables that SalesPad does not
-- publish: our own design in SalesPad's naming (sp prefix, Title_Case
-- columns). spetl's init-db creates them where missing; safe to run again.
--
-- Statement splitting (spetl's loader, sp_schema_split, and sqlcmd/SSMS):
-- this file has lines that are only GO, so it is split at those lines and
-- each batch is sent whole. Lines starting with "--" are comments.
--
-- Timestamps are datetime2(3) in UTC (exact milliseconds, unlike datetime's
-- 1/300 s). Free text is nvarchar (names with accents); keys are varchar/char
-- like GP's. Sales document types are SalesPad's names; SOPTYPE is a
-- persisted computed column (GP's numbers: 1 QUOTE, 2 ORDER, 3 INVOICE,
-- 4 RETURN, 5 BACKORDER, 6 FULFILLMENT) so joins with SOP10100 use SOPTYPE.
-- Needs SQL Server 2016 SP1 or later (CREATE OR ALTER TRIGGER).

-- Prospect contacts: GP has only SOP00200.CNTCPRSN, SalesPad-style contacts
-- live here, one row per contact of a prospect. Contact_ID is the contact's
-- code within its prospect, text like a customer address's ADRSCODE
-- (char(15)): the import's contact-keys make PRIMARY, CONTACT001, ... so a
-- prospect contact and the customer address it becomes share their key.
-- Columns are GP-style (char, NOT NULL, blank by default), as the job
-- catalogue declares them (tests/unit/check_catalog.c compares the two).
IF OBJECT_ID(N'dbo.spProspectContact', N'U') IS NULL
CREATE TABLE dbo.spProspectContact (
    PROSPID char(15) NOT NULL,
    Contact_ID char(15) NOT NULL,
    Contact_Name char(61) NOT NULL CONSTRAINT DF_spProspectContact_Contact_Name DEFAULT (''),
    Title char(61) NOT NULL CONSTRAINT DF_spProspectContact_Title DEFAULT (''),
    Email char(201) NOT NULL CONSTRAINT DF_spProspectContact_Email DEFAULT (''),
    Phone char(21) NOT NULL CONSTRAINT DF_spProspectContact_Phone DEFAULT (''),
    Is_Primary tinyint NOT NULL CONSTRAINT DF_spProspectContact_Is_Primary DEFAULT (0)
        CONSTRAINT CK_spProspectContact_Is_Primary CHECK (Is_Primary IN (0, 1)),
    Created_On datetime NOT NULL CONSTRAINT DF_spProspectContact_Created_On DEFAULT (GETUTCDATE()),
    Modified_On datetime NOT NULL CONSTRAINT DF_spProspectContact_Modified_On DEFAULT (GETUTCDATE()),
    DEX_ROW_TS datetime NOT NULL CONSTRAINT DF_spProspectContact_DEX_ROW_TS DEFAULT (GETUTCDATE()),
    CONSTRAINT PK_spProspectContact PRIMARY KEY NONCLUSTERED (PROSPID, Contact_ID)
);
GO
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_spProspectContact_Email'
               AND object_id = OBJECT_ID(N'dbo.spProspectContact'))
CREATE INDEX IX_spProspectContact_Email ON dbo.spProspectContact (Email);
GO
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_spProspectContact_DEX_ROW_TS'
               AND object_id = OBJECT_ID(N'dbo.spProspectContact'))
CREATE INDEX IX_spProspectContact_DEX_ROW_TS ON dbo.spProspectContact (DEX_ROW_TS);
GO
-- As GP's zDT_ triggers: stamp DEX_ROW_TS on update (recursive triggers are
-- off by default, so the trigger's own UPDATE does not fire it again).
CREATE OR ALTER TRIGGER dbo.zDT_spProspectContactU ON dbo.spProspectContact AFTER UPDATE AS
set nocount on
BEGIN
UPDATE dbo.spProspectContact SET DEX_ROW_TS = GETUTCDATE() FROM dbo.spProspectContact, inserted
 WHERE spProspectContact.PROSPID = inserted.PROSPID AND spProspectContact.Contact_ID = inserted.Contact_ID
END
set nocount off
GO

-- Workflow queue order: the queue a document moves to next (queues are GP
-- batches, SOP10100.BACHNUMB). Deal export forwards an exported document from
-- Queue to Next_Queue.
IF OBJECT_ID(N'dbo.spWorkflowQueueOrder', N'U') IS NULL
CREATE TABLE dbo.spWorkflowQueueOrder (
    Sales_Doc_Type varchar(20) NOT NULL
        CONSTRAINT CK_spWorkflowQueueOrder_Type
        CHECK (Sales_Doc_Type IN ('QUOTE', 'ORDER', 'INVOICE', 'RETURN', 'BACKORDER', 'FULFILLMENT')),
    SOPTYPE AS (CONVERT(smallint, CASE Sales_Doc_Type WHEN 'QUOTE' THEN 1 WHEN 'ORDER' THEN 2
        WHEN 'INVOICE' THEN 3 WHEN 'RETURN' THEN 4 WHEN 'BACKORDER' THEN 5 WHEN 'FULFILLMENT' THEN 6 END)) PERSISTED,
    Queue char(15) NOT NULL,
    Next_Queue char(15) NOT NULL,
    CONSTRAINT PK_spWorkflowQueueOrder PRIMARY KEY (Sales_Doc_Type, Queue)
);
GO

-- Sales document audit notes (e.g. "line 16384: item X has no HubSpot
-- product"). Audit_ID is assigned on insert.
IF OBJECT_ID(N'dbo.spSalesDocumentAudit', N'U') IS NULL
CREATE TABLE dbo.spSalesDocumentAudit (
    Audit_ID bigint IDENTITY(1,1) NOT NULL,
    Sales_Doc_Type varchar(20) NOT NULL
        CONSTRAINT CK_spSalesDocumentAudit_Type
        CHECK (Sales_Doc_Type IN ('QUOTE', 'ORDER', 'INVOICE', 'RETURN', 'BACKORDER', 'FULFILLMENT')),
    SOPTYPE AS (CONVERT(smallint, CASE Sales_Doc_Type WHEN 'QUOTE' THEN 1 WHEN 'ORDER' THEN 2
        WHEN 'INVOICE' THEN 3 WHEN 'RETURN' THEN 4 WHEN 'BACKORDER' THEN 5 WHEN 'FULFILLMENT' THEN 6 END)) PERSISTED,
    Sales_Doc_Num char(21) NOT NULL,
    Created_On datetime2(3) NOT NULL CONSTRAINT DF_spSalesDocumentAudit_Created_On DEFAULT (SYSUTCDATETIME()),
    Created_By nvarchar(50) NOT NULL CONSTRAINT DF_spSalesDocumentAudit_Created_By DEFAULT (N''),
    Note nvarchar(2000) NOT NULL CONSTRAINT DF_spSalesDocumentAudit_Note DEFAULT (N''),
    CONSTRAINT PK_spSalesDocumentAudit PRIMARY KEY (Audit_ID)
);
GO
IF NOT EXISTS (SELECT 1 FROM sys.indexes WHERE name = N'IX_spSalesDocumentAudit_Doc'
               AND object_id = OBJECT_ID(N'dbo.spSalesDocumentAudit'))
CREATE INDEX IX_spSalesDocumentAudit_Doc ON dbo.spSalesDocumentAudit (Sales_Doc_Type, Sales_Doc_Num);
GO
