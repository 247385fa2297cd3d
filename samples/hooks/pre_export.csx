// spetl pre-export hook in C#, run by dotnet-script (https://github.com/dotnet-script/dotnet-script):
// the closest thing to a SalesPad C# script. Not run in CI (it needs the .NET SDK and
// `dotnet tool install -g dotnet-script`).
//
//   <pre-export>
//     <program command="C:\Users\spetl\.dotnet\tools\dotnet-script.exe pre_export.csx"
//              working-dir="C:\spetl\hooks" timeout-seconds="30"/>
//   </pre-export>
//
// dotnet-script compiles the script on its first run (seconds): spetl allows
// the program's start-up on top of the first record's timeout.
//
// Protocol (samples/hooks/README.md): one JSON line in per record,
//   {"point":"pre-export","record":{"key":...,"hubspot_id":...,"gp":{...},"properties":{...}}}
// one JSON line out per record, in order:
//   {"action":"keep"|"skip"|"fail","properties":{...},"message":"..."}
// Log with Console.Error: stdout carries replies only.
using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

var stdout = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false)) { AutoFlush = true };
var stdin = new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(false));

string line;
while ((line = stdin.ReadLine()) != null)
{
    JsonObject reply;
    try
    {
        var record = JsonNode.Parse(line)!["record"]!;
        reply = Decide(record);
    }
    catch (Exception ex)
    {
        reply = new JsonObject { ["action"] = "fail", ["message"] = "pre_export.csx: " + ex.Message };
    }
    stdout.WriteLine(reply.ToJsonString());   // one line, flushed: spetl waits for it
}
Console.Error.WriteLine("pre_export.csx: end of input");

// What a SalesPad "Customer Pre Export Script" did with the customer object,
// here on the record's GP columns (gp) and mapped HubSpot properties.
JsonObject Decide(JsonNode record)
{
    var gp = record["gp"]?.AsObject();
    var props = record["properties"]?.AsObject();
    var klass = gp?["CUSTCLAS"]?.GetValue<string>()?.Trim() ?? "";
    if (klass == "INTERNAL")
        return new JsonObject { ["action"] = "skip", ["message"] = $"customer {record["key"]} is internal" };
    var reply = new JsonObject { ["action"] = "keep" };
    var phone = props?["phone"]?.GetValue<string>();
    if (!string.IsNullOrEmpty(phone) && phone.Length == 10)
        reply["properties"] = new JsonObject { ["phone"] = $"({phone[..3]}) {phone[3..6]}-{phone[6..]}" };
    return reply;
}
