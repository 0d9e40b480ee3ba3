using System.Text.Json;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace Npga.Live.Browser;

/// <summary>
/// Headless Chromium (Debian's <c>/usr/bin/chromium</c>, driven by Selenium through Debian's <c>/usr/bin/chromedriver</c>)
/// with a fake webcam playing a Y4M clip (<see cref="FakeWebcamClip"/>), for the live server's browser tests and
/// <c>npga bench live</c>. One browser, any number of tabs (<see cref="LiveTab"/>). WebRTC may use loopback
/// (<c>--allow-loopback-in-peer-connection</c>); background networking is off so the browser sends nothing anywhere but
/// the page's server. Run it inside a loopback-only network namespace. Not thread-safe beyond its own lock: every
/// WebDriver call goes through <see cref="Run{T}"/>.
/// </summary>
public sealed class LiveBrowser : IDisposable
{
    /// <summary>Chromium's path.</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>ChromeDriver's path.</summary>
    public const string ChromeDriverPath = "/usr/bin/chromedriver";

    private readonly ChromeDriver _driver;
    private readonly string _profile;
    private readonly object _lock = new();
    private bool _firstTabUsed;

    /// <summary>Starts Chromium.</summary>
    /// <param name="fakeWebcamY4m">The clip the fake webcam plays, in a loop.</param>
    /// <param name="windowWidth">Window width, pixels.</param>
    /// <param name="windowHeight">Window height, pixels.</param>
    /// <param name="extensionDir">
    /// An unpacked extension to load (<c>--load-extension</c>, the only one: <c>--disable-extensions-except</c>; new
    /// headless mode loads extensions), e.g. web/extension; null: extensions off. Its id is <see cref="UnpackedExtensionId"/>.
    /// </param>
    /// <exception cref="FileNotFoundException">Chromium, ChromeDriver or the clip is missing (run scripts/setup.sh).</exception>
    /// <exception cref="DirectoryNotFoundException">The extension's folder is missing.</exception>
    /// <exception cref="WebDriverException">The browser does not start.</exception>
    public LiveBrowser(string fakeWebcamY4m, int windowWidth = 1280, int windowHeight = 800, string? extensionDir = null)
    {
        if (!IsAvailable) throw new FileNotFoundException($"headless browser tests need {ChromiumPath} and {ChromeDriverPath} (Debian packages chromium, chromium-driver; scripts/setup.sh installs them)");
        if (!File.Exists(fakeWebcamY4m)) throw new FileNotFoundException($"fake webcam clip not found: {fakeWebcamY4m}", fakeWebcamY4m);
        if (extensionDir is not null && !File.Exists(Path.Combine(extensionDir, "manifest.json")))
            throw new DirectoryNotFoundException($"no unpacked extension (manifest.json) in {extensionDir}");
        _profile = Directory.CreateTempSubdirectory("npga-chromium-").FullName;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments(
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-quic",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
            "--metrics-recording-only", "--no-default-browser-check",
            "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
            "--autoplay-policy=no-user-gesture-required",
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            $"--use-file-for-fake-video-capture={Path.GetFullPath(fakeWebcamY4m)}",
            "--allow-loopback-in-peer-connection",
            $"--window-size={windowWidth},{windowHeight}",
            $"--user-data-dir={_profile}");
        if (extensionDir is null) options.AddArgument("--disable-extensions");
        else
        {
            var dir = Path.GetFullPath(extensionDir).TrimEnd('/');
            options.AddArguments($"--load-extension={dir}", $"--disable-extensions-except={dir}");
        }
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(ChromeDriverPath)!, Path.GetFileName(ChromeDriverPath));
        service.HideCommandPromptWindow = true;
        service.SuppressInitialDiagnosticInformation = true;
        try
        {
            _driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
        }
        catch
        {
            TryDelete(_profile);
            throw;
        }
    }

    /// <summary>
    /// The id Chromium gives the unpacked extension in <paramref name="extensionDir"/> when loaded without a manifest
    /// <c>key</c>: the SHA-256 of its absolute path, first 16 bytes, each hex digit 0-f written as a letter a-p
    /// (Chromium's <c>crx_file::id_util::GenerateIdForPath</c>). Its pages are at <c>chrome-extension://ID/…</c>.
    /// </summary>
    public static string UnpackedExtensionId(string extensionDir)
    {
        var dir = Path.GetFullPath(extensionDir).TrimEnd('/');
        if (new DirectoryInfo(dir).ResolveLinkTarget(true) is { } target) dir = target.FullName.TrimEnd('/');
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dir));
        return string.Concat(hash.Take(16).Select(b => $"{(char)('a' + (b >> 4))}{(char)('a' + (b & 15))}"));
    }

    /// <summary>Whether Chromium and ChromeDriver are installed.</summary>
    public static bool IsAvailable => File.Exists(ChromiumPath) && File.Exists(ChromeDriverPath);

    /// <summary>
    /// Opens <paramref name="url"/> in a new tab, or with <paramref name="window"/> in a new window (the first call uses the
    /// browser's first tab). Chromium draws only a window's front tab: a page in a tab behind another presents no video
    /// frame (<c>requestVideoFrameCallback</c> stops) and, in probe mode, stamps no frame code, so pages measured side by
    /// side each need a window.
    /// </summary>
    public LiveTab Open(Uri url, bool window = false) => Run(d =>
    {
        if (_firstTabUsed) d.SwitchTo().NewWindow(window ? WindowType.Window : WindowType.Tab);
        _firstTabUsed = true;
        d.Navigate().GoToUrl(url);
        return new LiveTab(this, d.CurrentWindowHandle);
    });

    /// <summary>Runs <paramref name="action"/> on the driver under the browser's lock.</summary>
    internal T Run<T>(Func<ChromeDriver, T> action)
    {
        lock (_lock) return action(_driver);
    }

    /// <summary>Quits the browser and removes its profile.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            try
            {
                _driver.Quit();
            }
            catch (WebDriverException)
            {
                // already gone
            }
            _driver.Dispose();
        }
        TryDelete(_profile);
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>
/// One tab of a <see cref="LiveBrowser"/> showing the live page; reads the page's automation state
/// (<c>window.npgaTest</c>, web/README.md).
/// </summary>
public sealed class LiveTab
{
    private readonly LiveBrowser _browser;
    private readonly string _handle;

    internal LiveTab(LiveBrowser browser, string handle)
    {
        _browser = browser;
        _handle = handle;
    }

    /// <summary>Whether the tab was closed.</summary>
    public bool Closed { get; private set; }

    /// <summary>Evaluates a JavaScript expression in the tab and returns its value as JSON (null when undefined).</summary>
    /// <exception cref="WebDriverException">The script failed or the tab is gone.</exception>
    public JsonElement? Eval(string expression) => _browser.Run(d =>
    {
        d.SwitchTo().Window(_handle);
        var json = d.ExecuteScript($"const v = ({expression}); return v === undefined ? null : JSON.stringify(v);") as string;
        return json is null ? (JsonElement?)null : JsonDocument.Parse(json).RootElement.Clone();
    });

    /// <summary>Runs an async JavaScript function body (it receives <c>done</c> as its last argument) and returns what it passes to <c>done</c>, as JSON.</summary>
    public JsonElement? EvalAsync(string body) => _browser.Run(d =>
    {
        d.SwitchTo().Window(_handle);
        var json = d.ExecuteAsyncScript($"const done = arguments[arguments.length - 1]; (async () => {{ {body} }})().then(v => done(v === undefined ? null : JSON.stringify(v)), e => done(JSON.stringify({{ error: String(e) }})));") as string;
        return json is null ? (JsonElement?)null : JsonDocument.Parse(json).RootElement.Clone();
    });

    /// <summary>The page's automation state, <c>window.npgaTest</c> without its functions, or null before the page set it.</summary>
    public JsonElement? State => Eval("window.npgaTest && Object.fromEntries(Object.entries(window.npgaTest).filter(([k, v]) => typeof v !== 'function'))");

    /// <summary>The page's state field <c>state</c> ('idle', 'joining', 'connected', 'busy', 'ended', 'error'), or null.</summary>
    public string? PageState => State is { } s && s.TryGetProperty("state", out var v) ? v.GetString() : null;

    /// <summary>Waits until <paramref name="condition"/> holds on the page state, polling every 200 ms.</summary>
    /// <returns>The state that satisfied it.</returns>
    /// <exception cref="TimeoutException">Not within <paramref name="timeout"/>; the message has the last state.</exception>
    public JsonElement WaitFor(Func<JsonElement, bool> condition, TimeSpan timeout, string what)
    {
        var until = DateTime.UtcNow + timeout;
        JsonElement? last = null;
        while (DateTime.UtcNow < until)
        {
            last = State;
            if (last is { } s && condition(s)) return s;
            Thread.Sleep(200);
        }
        throw new TimeoutException($"page did not reach '{what}' within {timeout.TotalSeconds:0} s; last state: {last?.GetRawText() ?? "none"}");
    }

    /// <summary>A PNG of the avatar video's current frame (the page's <c>npgaTest.grabFrame()</c>), or null when there is none yet.</summary>
    public byte[]? GrabFrame()
    {
        var url = Eval("window.npgaTest && window.npgaTest.grabFrame ? window.npgaTest.grabFrame() : null");
        if (url is not { ValueKind: JsonValueKind.String } u) return null;
        var s = u.GetString()!;
        int comma = s.IndexOf(',');
        return comma < 0 ? null : Convert.FromBase64String(s[(comma + 1)..]);
    }

    /// <summary>
    /// Stalls the page: a busy loop holds its main thread for <paramref name="duration"/>, so no script, timer or
    /// network callback of the page runs meanwhile, as on a machine that starves the page of CPU (the network stack
    /// and the media threads run on). Holds the browser's lock, so other tabs wait too.
    /// </summary>
    /// <exception cref="WebDriverException">The tab is gone, or the stall outlasts ChromeDriver's script timeout (30 s).</exception>
    public void Stall(TimeSpan duration) => _browser.Run(d =>
    {
        d.SwitchTo().Window(_handle);
        d.ExecuteScript($"const until = performance.now() + {duration.TotalMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}; while (performance.now() < until) {{ }}");
        return 0;
    });

    /// <summary>A PNG screenshot of the tab.</summary>
    public byte[] Screenshot() => _browser.Run(d =>
    {
        d.SwitchTo().Window(_handle);
        return d.GetScreenshot().AsByteArray;
    });

    /// <summary>Reloads the tab's page and waits until it has loaded (the old page's connections drop with it).</summary>
    /// <exception cref="WebDriverException">The tab is gone.</exception>
    public void Reload() => _browser.Run(d =>
    {
        d.SwitchTo().Window(_handle);
        d.Navigate().Refresh();
        return 0;
    });

    /// <summary>Closes the tab (the page's connections drop with it).</summary>
    public void Close()
    {
        if (Closed) return;
        _browser.Run(d =>
        {
            d.SwitchTo().Window(_handle);
            d.Close();
            var rest = d.WindowHandles;
            if (rest.Count > 0) d.SwitchTo().Window(rest[0]);
            return 0;
        });
        Closed = true;
    }
}
