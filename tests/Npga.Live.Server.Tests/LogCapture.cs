using Microsoft.Extensions.Logging;

namespace Npga.Live.Server.Tests;

/// <summary>A logger provider that keeps every record it is given (level, category, text and exception), for tests that check what the server logs.</summary>
internal sealed class LogCapture : ILoggerProvider
{
    private readonly List<(LogLevel Level, string Category, string Text)> _records = [];

    public IReadOnlyList<(LogLevel Level, string Category, string Text)> Records
    {
        get { lock (_records) return _records.ToList(); }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = formatter(state, exception) + (exception is null ? "" : Environment.NewLine + exception);
            lock (owner._records) owner._records.Add((logLevel, category, text));
        }
    }
}
