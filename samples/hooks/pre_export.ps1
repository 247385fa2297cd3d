# spetl pre-export hook in PowerShell (for SalesPad users moving their C# /
# PowerShell logic). Not run in CI: it needs PowerShell 7 (pwsh) or Windows
# PowerShell 5.1.
#
# spetl starts it once per component run, without a shell:
#   <pre-export>
#     <program command="C:\Program Files\PowerShell\7\pwsh.exe -NoProfile -NonInteractive -File pre_export.ps1"
#              working-dir="C:\spetl\hooks" timeout-seconds="30"/>
#   </pre-export>
# (on Windows the program must be an .exe: name pwsh.exe or powershell.exe
# and pass the script with -File).
#
# Protocol (samples/hooks/README.md): one JSON line in per record,
#   {"point":"pre-export","record":{"key":...,"hubspot_id":...,"gp":{...},"properties":{...}}}
# one JSON line out per record, in order:
#   {"action":"keep"|"skip"|"fail","properties":{...},"message":"..."}
# Write logs with [Console]::Error.WriteLine: stdout carries replies only.

$ErrorActionPreference = 'Stop'
# UTF-8 without a byte order mark, both ways.
$utf8 = New-Object System.Text.UTF8Encoding $false
[Console]::InputEncoding = $utf8
[Console]::OutputEncoding = $utf8
$out = New-Object System.IO.StreamWriter([Console]::OpenStandardOutput(), $utf8)
$out.AutoFlush = $true   # each reply leaves at once: spetl waits for it

while ($null -ne ($line = [Console]::In.ReadLine())) {
    try {
        $msg = $line | ConvertFrom-Json
        $rec = $msg.record
        if ($rec.gp.CUSTCLAS -and $rec.gp.CUSTCLAS.Trim() -eq 'INTERNAL') {
            $reply = @{ action = 'skip'; message = "customer $($rec.key) is internal" }
        } else {
            # Fill the company's description from GP's comment when it is empty.
            $reply = @{ action = 'keep' }
            if (-not $rec.properties.description -and $rec.gp.COMMENT1) {
                $reply.properties = @{ description = $rec.gp.COMMENT1.Trim() }
            }
        }
    } catch {
        $reply = @{ action = 'fail'; message = "pre_export.ps1: $($_.Exception.Message)" }
    }
    $out.WriteLine(($reply | ConvertTo-Json -Compress -Depth 5))
}
[Console]::Error.WriteLine('pre_export.ps1: end of input')
