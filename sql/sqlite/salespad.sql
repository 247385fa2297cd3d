-- salespad.sql (SQLite) -- SalesPad-style tables that SalesPad does not
-- publish: our own design in SalesPad's naming (sp prefix, Title_Case
-- columns). spetl's init-db creates them where missing; safe to run again.
--
-- Statement splitting (spetl's loader, sp_schema_split): a statement ends at
-- a line whose last non-blank character is ';'. Inside a trigger's BEGIN ... END
-- body the statement ends only at a line ending in "END;". Lines starting with "--"
-- are comments.
--
-- Timestamps are UTC text 'YYYY-MM-DD HH:MM:SS.fff' (always milliseconds).
-- Sales document types are SalesPad's names; SOPTYPE is derived from them
-- (GP's numbers: 1 QUOTE, 2 ORDER, 3 INVOICE, 4 RETURN, 5 BACKORDER,
-- 6 FULFILLMENT) so joins with SOP10100 use SOPTYPE.

-- Prospect contacts: GP has only SOP00200.CNTCPRSN, SalesPad-style contacts
-- live here, one row per contact of a prospect. Contact_ID is the contact's
-- code within its prospect, text like a customer address's ADRSCODE
-- (char(15)): the import's contact-keys make PRIMARY, CONTACT001, ... so a
-- prospect contact and the customer address it becomes share their key.
-- Columns are GP-style (char, NOT NULL, blank by default), as the job
-- catalogue declares them (tests/unit/check_catalog.c compares the two).
CREATE TABLE IF NOT EXISTS spProspectContact (
    PROSPID char(15) NOT NULL,
    Contact_ID char(15) NOT NULL,
    Contact_Name char(61) NOT NULL DEFAULT '',
    Title char(61) NOT NULL DEFAULT '',
    Email char(201) NOT NULL DEFAULT '',
    Phone char(21) NOT NULL DEFAULT '',
    Is_Primary tinyint NOT NULL DEFAULT 0 CHECK (Is_Primary IN (0, 1)),
    Created_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    Modified_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    DEX_ROW_TS datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    CONSTRAINT PK_spProspectContact PRIMARY KEY (PROSPID, Contact_ID)
);
CREATE INDEX IF NOT EXISTS IX_spProspectContact_Email ON spProspectContact (Email);
CREATE INDEX IF NOT EXISTS IX_spProspectContact_DEX_ROW_TS ON spProspectContact (DEX_ROW_TS);
CREATE TRIGGER IF NOT EXISTS zDT_spProspectContactU AFTER UPDATE ON spProspectContact FOR EACH ROW
BEGIN
    UPDATE spProspectContact SET DEX_ROW_TS = strftime('%Y-%m-%d %H:%M:%f','now')
     WHERE PROSPID = NEW.PROSPID AND Contact_ID = NEW.Contact_ID;
END;

-- Workflow queue order: the queue a document moves to next (queues are GP
-- batches, SOP10100.BACHNUMB). Deal export forwards an exported document from
-- Queue to Next_Queue.
CREATE TABLE IF NOT EXISTS spWorkflowQueueOrder (
    Sales_Doc_Type varchar(20) NOT NULL
        CHECK (Sales_Doc_Type IN ('QUOTE', 'ORDER', 'INVOICE', 'RETURN', 'BACKORDER', 'FULFILLMENT')),
    SOPTYPE smallint GENERATED ALWAYS AS (CASE Sales_Doc_Type WHEN 'QUOTE' THEN 1 WHEN 'ORDER' THEN 2
        WHEN 'INVOICE' THEN 3 WHEN 'RETURN' THEN 4 WHEN 'BACKORDER' THEN 5 WHEN 'FULFILLMENT' THEN 6 END) VIRTUAL,
    Queue char(15) NOT NULL,
    Next_Queue char(15) NOT NULL,
    CONSTRAINT PK_spWorkflowQueueOrder PRIMARY KEY (Sales_Doc_Type, Queue)
);

-- Sales document audit notes (e.g. "line 16384: item X has no HubSpot
-- product"). Audit_ID is assigned on insert.
CREATE TABLE IF NOT EXISTS spSalesDocumentAudit (
    Audit_ID integer PRIMARY KEY AUTOINCREMENT,
    Sales_Doc_Type varchar(20) NOT NULL
        CHECK (Sales_Doc_Type IN ('QUOTE', 'ORDER', 'INVOICE', 'RETURN', 'BACKORDER', 'FULFILLMENT')),
    SOPTYPE smallint GENERATED ALWAYS AS (CASE Sales_Doc_Type WHEN 'QUOTE' THEN 1 WHEN 'ORDER' THEN 2
        WHEN 'INVOICE' THEN 3 WHEN 'RETURN' THEN 4 WHEN 'BACKORDER' THEN 5 WHEN 'FULFILLMENT' THEN 6 END) VIRTUAL,
    Sales_Doc_Num char(21) NOT NULL,
    Created_On datetime NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
    Created_By varchar(50) NOT NULL DEFAULT '',
    Note varchar(2000) NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS IX_spSalesDocumentAudit_Doc ON spSalesDocumentAudit (Sales_Doc_Type, Sales_Doc_Num);
