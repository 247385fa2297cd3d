-- post_import_note.sql -- a SQL post-import hook for spetl (SQL Server, GP).
--
-- SalesPad's "Customer Post Import Script" wrote a note on the customer it
-- had just created from a HubSpot company. This procedure does the same for
-- spetl: it appends one line to the customer's record note (GP keeps record
-- notes in SY03900, found through RM00101.NOTEINDX), and gives the customer
-- a note index first when it has none (GP's own DYNAMICS..smGetNextNoteIndex,
-- as GP does).
--
-- Create it once in the company database (TWO below), as a DBA:
--
--     sqlcmd -S gp01 -d TWO -i post_import_note.sql
--
-- and call it from the job's import component:
--
--     <post-import>
--       <sql params="key hubspot_id run_id">EXEC dbo.sppHubSpotCustomerImported ?, ?, ?</sql>
--     </post-import>
--
-- The three "?" are bound by spetl, never pasted into the statement: the
-- customer number, the HubSpot company id and the run id. A post hook runs
-- inside the page's transaction: if the page's commit fails, the note is
-- rolled back with the page's links, and the next run writes it again with
-- the customer. An error raised here fails that one customer (an Action
-- Center row naming the hook's line); the rest of the page goes on.
--
-- Not run in CI (it needs SQL Server with GP's DYNAMICS database). The spetl
-- login needs EXECUTE on this procedure and on DYNAMICS..smGetNextNoteIndex,
-- and UPDATE on RM00101, INSERT/UPDATE on SY03900.

IF OBJECT_ID('dbo.sppHubSpotCustomerImported', 'P') IS NOT NULL
    DROP PROCEDURE dbo.sppHubSpotCustomerImported;
GO

CREATE PROCEDURE dbo.sppHubSpotCustomerImported
    @CUSTNMBR char(15),
    @HubSpotID varchar(40),
    @RunID varchar(64)
AS
BEGIN
    SET NOCOUNT ON;
    DECLARE @noteindx numeric(19, 5), @err int, @line varchar(400), @now datetime = GETDATE();

    SELECT @noteindx = NOTEINDX FROM RM00101 WITH (UPDLOCK) WHERE CUSTNMBR = @CUSTNMBR;
    IF @@ROWCOUNT = 0
    BEGIN
        RAISERROR('sppHubSpotCustomerImported: no customer %s in RM00101', 16, 1, @CUSTNMBR);
        RETURN;
    END;

    IF @noteindx IS NULL OR @noteindx = 0
    BEGIN
        DECLARE @company smallint = (SELECT CMPANYID FROM DYNAMICS..SY01500 WHERE INTERID = DB_NAME());
        EXEC DYNAMICS.dbo.smGetNextNoteIndex @company, 1, @noteindx OUTPUT, @err OUTPUT;
        IF @err <> 0 OR @noteindx IS NULL
        BEGIN
            RAISERROR('sppHubSpotCustomerImported: GP gave no note index (error %d)', 16, 1, @err);
            RETURN;
        END;
        UPDATE RM00101 SET NOTEINDX = @noteindx WHERE CUSTNMBR = @CUSTNMBR;
    END;

    SET @line = CONVERT(varchar(19), @now, 120) + ' imported from HubSpot company ' + @HubSpotID
              + ' by spetl (run ' + @RunID + ')';

    IF EXISTS (SELECT 1 FROM SY03900 WHERE NOTEINDX = @noteindx)
        UPDATE SY03900
           SET TXTFIELD = CAST(TXTFIELD AS varchar(max)) + CHAR(13) + CHAR(10) + @line,
               DATE1 = CAST(@now AS date), TIME1 = '1900-01-01 ' + CONVERT(varchar(8), @now, 108)
         WHERE NOTEINDX = @noteindx;
    ELSE
        INSERT INTO SY03900 (NOTEINDX, DATE1, TIME1, TXTFIELD)
        VALUES (@noteindx, CAST(@now AS date), '1900-01-01 ' + CONVERT(varchar(8), @now, 108), @line);
END;
GO
