-- grants.sql (SQL Server) -- a sample of the rights of a `spetl` login in a
-- GP company database (here TWO), least privilege. spetl never runs this
-- file: a DBA (sysadmin, or db_owner of the company database) runs it with
-- sqlcmd or SSMS, after changing the database name and the password.
--
--   sqlcmd -S gp01 -d TWO -E -i grants.sql        (Windows login of a DBA)
--
-- Order: 1. this file (login, user, read rights, the right to create
-- spetl's tables); 2. `spetl init-db job.xml` as spetl; 3. this file again
-- (it is safe to run again), which now also grants spetl's own tables.
--
-- Why grants on spetl's own tables at all: a table created in schema dbo is
-- owned by dbo, not by the user who created it, so spetl may create its
-- tables yet not read them until it is granted them.
--
-- Do NOT add spetl to GP's DYNGRP role or to db_datareader/db_datawriter:
-- they grant every table of the company. GP's own users are not affected by
-- anything here.

-- The login (server level) and its user in the company database. Prefer a
-- Windows account (CREATE LOGIN [DOMAIN\svc-spetl] FROM WINDOWS) when spetl
-- runs on a Windows host in the domain; Trusted_Connection=yes then needs no
-- password in the job.
IF SUSER_ID(N'spetl') IS NULL
    CREATE LOGIN spetl WITH PASSWORD = N'change-this-Passw0rd!', CHECK_POLICY = ON,
        DEFAULT_DATABASE = TWO;
GO
USE TWO;
GO
IF DATABASE_PRINCIPAL_ID(N'spetl') IS NULL
    CREATE USER spetl FOR LOGIN spetl WITH DEFAULT_SCHEMA = dbo;
GO

-- Read: the GP tables the exports read (customers and their addresses and
-- e-mail addresses, prospects, items and their list prices, sales documents
-- and lines).
GRANT SELECT ON dbo.RM00101 TO spetl;
GRANT SELECT ON dbo.RM00102 TO spetl;
GRANT SELECT ON dbo.SY01200 TO spetl;
GRANT SELECT ON dbo.SOP00200 TO spetl;
GRANT SELECT ON dbo.IV00101 TO spetl;
GRANT SELECT ON dbo.IV00105 TO spetl;
GRANT SELECT ON dbo.SOP10100 TO spetl;
GRANT SELECT ON dbo.SOP10200 TO spetl;
GO

-- Write: the imports (company-customer-import, company-prospect-import)
-- insert customers, addresses, their e-mail addresses and prospects, and
-- update the ones they match; deal-export moves an exported document to its
-- next queue (SOP10100.BACHNUMB). Leave these out while those components are
-- disabled in every job.
GRANT INSERT, UPDATE ON dbo.RM00101 TO spetl;
GRANT INSERT, UPDATE ON dbo.RM00102 TO spetl;
GRANT INSERT, UPDATE ON dbo.SY01200 TO spetl;
GRANT INSERT, UPDATE ON dbo.SOP00200 TO spetl;
GRANT UPDATE ON dbo.SOP10100 TO spetl;
GO

-- init-db: create spetl's tables, their indexes and the DEX_ROW_TS trigger of
-- spProspectContact in schema dbo. Revoke both once init-db has run (and
-- grant them again for the init-db of a later spetl version).
GRANT CREATE TABLE TO spetl;
GO
GRANT ALTER ON SCHEMA::dbo TO spetl;
GO

-- spetl's own tables (spetl.sql, salespad.sql), once init-db has made them:
-- links, component state, run history, Action Center, run lock, prospect
-- contacts, workflow queues, sales document audit. ALTER on the Action
-- Center lets a newer spetl add its columns (`spetl errors` dismissals).
IF OBJECT_ID(N'dbo.spAAIntegratedEntityLink', N'U') IS NOT NULL
    GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.spAAIntegratedEntityLink TO spetl;
IF OBJECT_ID(N'dbo.spAAComponentState', N'U') IS NOT NULL
    GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.spAAComponentState TO spetl;
IF OBJECT_ID(N'dbo.spAARunHistory', N'U') IS NOT NULL
    GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.spAARunHistory TO spetl;
IF OBJECT_ID(N'dbo.spAAActionCenter', N'U') IS NOT NULL
    GRANT SELECT, INSERT, UPDATE, DELETE, ALTER ON dbo.spAAActionCenter TO spetl;
IF OBJECT_ID(N'dbo.spAARunLock', N'U') IS NOT NULL
    GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.spAARunLock TO spetl;
IF OBJECT_ID(N'dbo.spProspectContact', N'U') IS NOT NULL
    GRANT SELECT, INSERT, UPDATE, DELETE ON dbo.spProspectContact TO spetl;
IF OBJECT_ID(N'dbo.spWorkflowQueueOrder', N'U') IS NOT NULL
    GRANT SELECT ON dbo.spWorkflowQueueOrder TO spetl;
IF OBJECT_ID(N'dbo.spSalesDocumentAudit', N'U') IS NOT NULL
    GRANT SELECT, INSERT ON dbo.spSalesDocumentAudit TO spetl;
GO

-- Connection checks of `spetl check` read INFORMATION_SCHEMA.TABLES, which
-- every user may read for the tables it has rights on: nothing to grant.
