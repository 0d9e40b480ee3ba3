namespace Npga.Live.Media.GStreamer.Interop;

/// <summary>Drains a <c>GstIterator</c> of GObjects into a list (taking a reference on each), then frees it.</summary>
internal static unsafe class GstIteration
{
    public static List<T> Collect<T>(nint iterator, Func<nint, T> wrapBorrowed)
    {
        var items = new List<T>();
        if (iterator == 0) return items;
        GValue v = default;
        try
        {
            while (true)
            {
                var r = LibGst.IteratorNext(iterator, &v);
                if (r == GstIteratorResult.Ok)
                {
                    items.Add(wrapBorrowed(LibGObject.ValueGetObject(&v)));
                    LibGObject.ValueReset(&v);
                }
                else if (r == GstIteratorResult.Resync)
                {
                    // The collection changed under the iterator: start again.
                    foreach (var item in items) (item as IDisposable)?.Dispose();
                    items.Clear();
                    LibGst.IteratorResync(iterator);
                }
                else
                {
                    break; // Done or Error
                }
            }
        }
        finally
        {
            if (v.GType != 0) LibGObject.ValueUnset(&v);
            LibGst.IteratorFree(iterator);
        }
        return items;
    }
}
