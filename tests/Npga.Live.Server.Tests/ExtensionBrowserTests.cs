using System.Text.Json;
using Npga.Live.Browser;
using Npga.Live.Core;
using Npga.Live.Core.Imaging;
using Npga.Live.Pipeline.Live;

namespace Npga.Live.Server.Tests;

// Issue 26 part 1: the browser extension (web/extension/) that adds "Npga.Live avatar" to a page's cameras.
public partial class BrowserTests
{
    private const string AvatarCameraId = "npga-live-avatar";

    /// <summary>
    /// Headless Chromium (new headless mode) with web/extension loaded opens a stand-in call app (tests/web/call-app.html)
    /// served from an origin of its own, while the server runs with its default settings (no CORS origins, so the page
    /// itself cannot reach the hub). Before the options name the server, the avatar camera fails and says why. Then the
    /// app lists the avatar camera (labelled as the real ones are), gets the fake webcam's own frames when it asks for
    /// the ordinary camera, and the server's avatar frames (512×512, carrying the driver frames' codes) when it asks
    /// for the avatar camera, still 35 s later; stopping a clone keeps the session, stopping the track ends it.
    /// </summary>
    [Fact]
    public async Task The_extension_adds_the_avatar_camera_to_a_call_page_and_leaves_the_real_camera_alone()
    {
        if (Skip(out var clip)) return;
        using var webcam = new WebcamFolder();
        var driverFrames = webcam.Write(clip, maxFrames: 90);
        var root = RepoPaths.RequireRoot();
        var extension = Path.Combine(root, "web", "extension");
        await using var server = await TestServer.Start();
        var serverOrigin = server.Url.GetLeftPart(UriPartial.Authority);
        using var site = LoopbackSite.Folder(Path.Combine(root, "tests", "web"));
        using var browser = new LiveBrowser(webcam.Y4m, extensionDir: extension);

        // Not yet set up (the default server, http://127.0.0.1:5000, is not running): the avatar camera fails with the reason.
        var call = browser.Open(new Uri(site.Url, "call-app.html"));
        WaitEval(call, "typeof window.callApp", v => v.GetString() == "object", TimeSpan.FromSeconds(20), "call app");
        StartCamera(call, AvatarCameraId);
        var failed = call.WaitFor(s => s.GetProperty("state").GetString() is "error" or "connected", TimeSpan.FromSeconds(30), "the avatar camera's error");
        Console.WriteLine($"extension: without a server: {failed.GetProperty("error")}");
        Assert.StartsWith("NotReadableError: Npga.Live avatar: cannot reach the Npga.Live server at http://127.0.0.1:5000", failed.GetProperty("error").GetString());
        Assert.Equal(0, server.Sessions.SessionsStarted);

        // The options page: pointed at the test server, it lists the server's avatars (/api/avatars) and saves.
        var options = browser.Open(new Uri($"chrome-extension://{LiveBrowser.UnpackedExtensionId(extension)}/options.html"));
        WaitEval(options, "document.body && document.body.dataset.ready !== undefined", v => v.ValueKind == JsonValueKind.True,
            TimeSpan.FromSeconds(20), "the extension's options page (is the extension loaded?)");
        options.Eval($"(() => {{ const s = document.getElementById('server'); s.value = {JsonSerializer.Serialize(serverOrigin)}; s.dispatchEvent(new Event('change')); }})()");
        WaitEval(options, "document.getElementById('avatar').dataset.state", v => v.GetString() is "loaded" or "error" or "no-permission",
            TimeSpan.FromSeconds(20), "the avatar list");
        var listed = options.Eval("[...document.getElementById('avatar').options].map(o => o.value)")!.Value.EnumerateArray().Select(v => v.GetString()).ToList();
        Assert.Equal("loaded", options.Eval("document.getElementById('avatar').dataset.state")?.GetString());
        Assert.All(server.Sessions.Catalog.Entries, a => Assert.Contains(a.Id, listed));
        options.Eval($"(() => {{ document.getElementById('avatar').value = {JsonSerializer.Serialize(server.Sessions.DefaultAvatar)}; document.getElementById('save').click(); }})()");
        WaitEval(options, "document.getElementById('status').textContent", v => v.GetString() == "Saved.", TimeSpan.FromSeconds(10), "'Saved.'");
        File.WriteAllBytes(Path.Combine(Artifacts(), "extension-options.png"), options.Screenshot());
        // Frame codes in the avatar frames (Join with probe: true) prove they are the server's: a setting for tests only.
        var stored = options.EvalAsync("const { settings } = await chrome.storage.local.get('settings'); await chrome.storage.local.set({ settings: { ...settings, probe: true } }); return (await chrome.storage.local.get('settings')).settings;")!.Value;
        Assert.Equal(serverOrigin, stored.GetProperty("server").GetString());
        Assert.Equal(server.Sessions.DefaultAvatar, stored.GetProperty("avatar").GetString());

        // The page itself cannot reach the hub: no CORS for its origin.
        var direct = call.EvalAsync($"try {{ await fetch({JsonSerializer.Serialize(serverOrigin + "/hub/negotiate?negotiateVersion=1")}, {{ method: 'POST' }}); return 'reached'; }} catch (e) {{ return 'blocked: ' + e.message; }}")?.GetString();
        Assert.StartsWith("blocked", direct);

        // The ordinary (default) camera: the fake webcam's own frames, and no session on the server.
        StartCamera(call, null);
        AssertWebcamFrames(call, driverFrames, webcam.Dir, "the default camera");

        // The page holds camera permission (the fake UI grants it): the avatar camera is listed with its label, after the real one.
        var cameras = Cameras(call);
        Console.WriteLine($"extension: cameras: {string.Join("; ", cameras.Select(c => $"{c.DeviceId}={c.Label}"))}");
        Assert.Equal("Npga.Live avatar", Assert.Single(cameras, c => c.DeviceId == AvatarCameraId).Label);
        Assert.Equal(AvatarCameraId, cameras[^1].DeviceId);
        var real = cameras.First(c => c.DeviceId != AvatarCameraId);
        Assert.NotEqual("", real.Label);

        // The avatar camera (with the microphone): the server's avatar frames, each naming the driver frame it was made from.
        StartCamera(call, AvatarCameraId, audio: true);
        var state = call.WaitFor(s => s.GetProperty("state").GetString() == "error" || s.GetProperty("state").GetString() == "connected" && s.GetProperty("framesReceived").GetInt64() > 10,
            TimeSpan.FromSeconds(90), "avatar frames through the extension");
        Assert.True(state.GetProperty("state").GetString() == "connected", $"the avatar camera failed: {state.GetRawText()}");
        Assert.Equal("Npga.Live avatar", state.GetProperty("label").GetString());
        Assert.Equal(AvatarCameraId, state.GetProperty("settings").GetProperty("deviceId").GetString());
        Assert.Equal(new[] { "audio", "video" }, call.Eval("document.getElementById('video').srcObject.getTracks().map(t => t.kind).sort()")!.Value.EnumerateArray().Select(e => e.GetString()).ToArray());
        Assert.Equal(1, server.Sessions.SlotsInUse);
        var codes = new List<int>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(4);
        while (DateTime.UtcNow < until || codes.Count < 10 && DateTime.UtcNow < until + TimeSpan.FromSeconds(20))
        {
            if (call.GrabFrame() is { } png)
            {
                var image = ReadPng(png, webcam.Dir);
                Assert.Equal((512, 512), (image.Width, image.Height)); // the avatar's size, not the webcam's
                if (FrameCode.Read(image) is { } code)
                {
                    codes.Add(code);
                    if (codes.Count == 1) Assert.True(StdDev(image) > 10, "the avatar frame is blank");
                }
            }
            Thread.Sleep(100);
        }
        Console.WriteLine($"extension: {codes.Count} avatar frames grabbed with codes {string.Join(",", codes.Take(20))}…; server fps in {server.Sessions.Sessions.Single().Stats.FpsIn:F1}");
        Assert.True(codes.Count >= 10, $"only {codes.Count} avatar frames with a readable frame code");
        Assert.All(codes, c => Assert.InRange(c, 0, driverFrames.Count - 1));
        Assert.True(codes.Distinct().Count() > 3, "the avatar frames do not follow the webcam's frames");
        File.WriteAllBytes(Path.Combine(Artifacts(), "extension-call-app.png"), call.Screenshot());

        // A clone of the avatar track is the avatar camera too; stopping it alone keeps the session.
        Assert.Equal("Npga.Live avatar", call.Eval("(() => { const c = document.getElementById('video').srcObject.getVideoTracks()[0].clone(); c.stop(); return c.label; })()")?.GetString());
        // The session outlives the service worker's 30 s idle limit (the hub's pings keep it alive, Chrome 116+).
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long framesBefore = call.State!.Value.GetProperty("framesReceived").GetInt64();
        Thread.Sleep(TimeSpan.FromSeconds(35));
        var later = call.WaitFor(s => s.GetProperty("framesReceived").GetInt64() > framesBefore + 30 || s.GetProperty("state").GetString() != "connected",
            TimeSpan.FromSeconds(20), "avatar frames after 35 s");
        Assert.True(later.GetProperty("state").GetString() == "connected" && server.Sessions.SlotsInUse == 1,
            $"the avatar session did not last {clock.Elapsed.TotalSeconds:F0} s: {later.GetRawText()}, {server.Sessions.SlotsInUse} sessions");
        Console.WriteLine($"extension: {later.GetProperty("framesReceived").GetInt64() - framesBefore} avatar frames in the {clock.Elapsed.TotalSeconds:F0} s after the clone stopped (server fps out {server.Sessions.Sessions.Single().Stats.FpsOut:F1})");

        // Stopping the avatar track leaves the session.
        call.Eval("callApp.stop()");
        Assert.True(await TestServer.Eventually(() => server.Sessions.SlotsInUse == 0, TimeSpan.FromSeconds(5)),
            "stopping the avatar track did not end the session");
        Assert.Equal(1, server.Sessions.SessionsEnded);

        // The real camera by its id, afterwards: the webcam again, still no second session.
        StartCamera(call, real.DeviceId);
        AssertWebcamFrames(call, driverFrames, webcam.Dir, "the real camera by id");
        Assert.Equal(1, server.Sessions.SessionsStarted);
    }

    private sealed record Camera(string DeviceId, string Label);

    private static List<Camera> Cameras(LiveTab tab) =>
        tab.EvalAsync("return await callApp.listCameras();")!.Value.EnumerateArray()
            .Select(c => new Camera(c.GetProperty("deviceId").GetString()!, c.GetProperty("label").GetString()!)).ToList();

    /// <summary>Starts the call app's camera without waiting (the avatar may take longer than a WebDriver script may run).</summary>
    private static void StartCamera(LiveTab tab, string? deviceId, bool audio = false) =>
        tab.Eval($"(callApp.start({JsonSerializer.Serialize(deviceId)}, {(audio ? "true" : "false")}).catch(() => {{}}), 0)");

    /// <summary>The page shows the fake webcam itself: frames of the clip's size, each equal to the driver frame its code names.</summary>
    private static void AssertWebcamFrames(LiveTab tab, IReadOnlyList<RgbImage> driverFrames, string dir, string what)
    {
        var s = tab.WaitFor(s => s.GetProperty("state").GetString() == "error" || s.GetProperty("framesReceived").GetInt64() > 5, TimeSpan.FromSeconds(30), what);
        Assert.True(s.GetProperty("state").GetString() == "connected", $"{what}: {s.GetRawText()}");
        Assert.NotEqual(AvatarCameraId, s.GetProperty("settings").GetProperty("deviceId").GetString());
        int matched = 0;
        for (int i = 0; i < 10 && matched < 3; i++)
        {
            if (tab.GrabFrame() is { } png && ReadPng(png, dir) is var image && FrameCode.Read(image) is { } code && code < driverFrames.Count)
            {
                var driver = driverFrames[code];
                Assert.Equal((driver.Width, driver.Height), (image.Width, image.Height));
                double diff = MeanAbsDiff(driver, image);
                Assert.True(diff < 8, $"{what}: frame {code} differs from the webcam's by {diff:F1} on average");
                matched++;
            }
            Thread.Sleep(100);
        }
        Assert.True(matched >= 3, $"{what}: only {matched} webcam frames with a readable code");
    }

    /// <summary>Evaluates <paramref name="expression"/> in the tab every 200 ms until <paramref name="ok"/> holds; returns that value.</summary>
    private static JsonElement WaitEval(LiveTab tab, string expression, Func<JsonElement, bool> ok, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        JsonElement? last = null;
        while (DateTime.UtcNow < until)
        {
            last = tab.Eval(expression);
            if (last is { } v && ok(v)) return v;
            Thread.Sleep(200);
        }
        throw new TimeoutException($"no {what} within {timeout.TotalSeconds:0} s; last: {last?.GetRawText() ?? "null"}");
    }

    private static string Artifacts()
    {
        var dir = Path.Combine(RepoPaths.RequireRoot(), "artifacts");
        Directory.CreateDirectory(dir);
        return dir;
    }
}
