using System.Runtime.InteropServices;

namespace Npga.Live.Media.GStreamer.Interop;

/// <summary>P/Invoke declarations of <c>libgstreamer-1.0.so.0</c>, one line per C function, no logic.</summary>
internal static unsafe partial class LibGst
{
    public const string Name = "libgstreamer-1.0.so.0";

    // ---- init, registry
    [LibraryImport(Name, EntryPoint = "gst_init_check")]
    public static partial int InitCheck(nint argc, nint argv, out nint error);

    [LibraryImport(Name, EntryPoint = "gst_version_string")]
    public static partial nint VersionString();

    [LibraryImport(Name, EntryPoint = "gst_element_factory_find", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ElementFactoryFind(string name);

    [LibraryImport(Name, EntryPoint = "gst_element_get_factory")]
    public static partial nint ElementGetFactory(nint element);

    [LibraryImport(Name, EntryPoint = "gst_element_factory_get_metadata", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ElementFactoryGetMetadata(nint factory, string key);

    [LibraryImport(Name, EntryPoint = "gst_parse_launch", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ParseLaunch(string pipelineDescription, out nint error);

    // ---- objects
    [LibraryImport(Name, EntryPoint = "gst_object_ref_sink")]
    public static partial nint ObjectRefSink(nint obj);

    [LibraryImport(Name, EntryPoint = "gst_object_ref")]
    public static partial nint ObjectRef(nint obj);

    [LibraryImport(Name, EntryPoint = "gst_object_unref")]
    public static partial void ObjectUnref(nint obj);

    [LibraryImport(Name, EntryPoint = "gst_object_get_name")]
    public static partial nint ObjectGetName(nint obj);

    [LibraryImport(Name, EntryPoint = "gst_object_get_path_string")]
    public static partial nint ObjectGetPathString(nint obj);

    [LibraryImport(Name, EntryPoint = "gst_mini_object_unref")]
    public static partial void MiniObjectUnref(nint obj);

    [LibraryImport(Name, EntryPoint = "gst_util_set_object_arg", StringMarshalling = StringMarshalling.Utf8)]
    public static partial void UtilSetObjectArg(nint gobject, string name, string value);

    // ---- elements, bins, pads
    [LibraryImport(Name, EntryPoint = "gst_element_set_state")]
    public static partial GstStateChangeReturn ElementSetState(nint element, GstState state);

    [LibraryImport(Name, EntryPoint = "gst_element_get_state")]
    public static partial GstStateChangeReturn ElementGetState(nint element, out GstState state, out GstState pending, ulong timeoutNs);

    [LibraryImport(Name, EntryPoint = "gst_element_get_bus")]
    public static partial nint ElementGetBus(nint element);

    [LibraryImport(Name, EntryPoint = "gst_element_get_static_pad", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ElementGetStaticPad(nint element, string name);

    [LibraryImport(Name, EntryPoint = "gst_element_request_pad_simple", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint ElementRequestPadSimple(nint element, string name);

    [LibraryImport(Name, EntryPoint = "gst_element_query_duration")]
    public static partial int ElementQueryDuration(nint element, GstFormat format, out long duration);

    [LibraryImport(Name, EntryPoint = "gst_element_query_position")]
    public static partial int ElementQueryPosition(nint element, GstFormat format, out long position);

    [LibraryImport(Name, EntryPoint = "gst_element_send_event")]
    public static partial int ElementSendEvent(nint element, nint eventTransferFull);

    [LibraryImport(Name, EntryPoint = "gst_event_new_eos")]
    public static partial nint EventNewEos();

    [LibraryImport(Name, EntryPoint = "gst_bin_get_by_name", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint BinGetByName(nint bin, string name);

    [LibraryImport(Name, EntryPoint = "gst_bin_iterate_recurse")]
    public static partial nint BinIterateRecurse(nint bin);

    [LibraryImport(Name, EntryPoint = "gst_element_iterate_pads")]
    public static partial nint ElementIteratePads(nint element);

    [LibraryImport(Name, EntryPoint = "gst_iterator_next")]
    public static partial GstIteratorResult IteratorNext(nint iterator, GValue* elem);

    [LibraryImport(Name, EntryPoint = "gst_iterator_resync")]
    public static partial void IteratorResync(nint iterator);

    [LibraryImport(Name, EntryPoint = "gst_iterator_free")]
    public static partial void IteratorFree(nint iterator);

    [LibraryImport(Name, EntryPoint = "gst_pad_get_task_state")]
    public static partial GstTaskState PadGetTaskState(nint pad);

    [LibraryImport(Name, EntryPoint = "gst_pad_is_linked")]
    public static partial int PadIsLinked(nint pad);

    [LibraryImport(Name, EntryPoint = "gst_ghost_pad_get_target")]
    public static partial nint GhostPadGetTarget(nint ghost);

    [LibraryImport(Name, EntryPoint = "gst_pad_get_current_caps")]
    public static partial nint PadGetCurrentCaps(nint pad);

    [LibraryImport(Name, EntryPoint = "gst_pad_add_probe")]
    public static partial nuint PadAddProbe(nint pad, GstPadProbeType mask, nint callback, nint userData, nint destroyData);

    [LibraryImport(Name, EntryPoint = "gst_pad_remove_probe")]
    public static partial void PadRemoveProbe(nint pad, nuint id);

    [LibraryImport(Name, EntryPoint = "gst_pad_probe_info_get_event")]
    public static partial nint PadProbeInfoGetEvent(nint info);

    [LibraryImport(Name, EntryPoint = "gst_pad_probe_info_get_buffer")]
    public static partial nint PadProbeInfoGetBuffer(nint info);

    [LibraryImport(Name, EntryPoint = "gst_element_link_pads", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int ElementLinkPads(nint src, string? srcPadName, nint dest, string? destPadName);

    [LibraryImport(Name, EntryPoint = "gst_pad_link")]
    public static partial GstPadLinkReturn PadLink(nint src, nint sink);

    [LibraryImport(Name, EntryPoint = "gst_pad_get_parent_element")]
    public static partial nint PadGetParentElement(nint pad);

    [LibraryImport(Name, EntryPoint = "gst_event_parse_caps")]
    public static partial void EventParseCaps(nint gstEvent, out nint caps);


    // ---- bus and messages
    [LibraryImport(Name, EntryPoint = "gst_bus_timed_pop_filtered")]
    public static partial nint BusTimedPopFiltered(nint bus, ulong timeoutNs, GstMessageType types);

    [LibraryImport(Name, EntryPoint = "gst_message_parse_error")]
    public static partial void MessageParseError(nint message, out nint gerror, out nint debug);

    [LibraryImport(Name, EntryPoint = "gst_message_parse_warning")]
    public static partial void MessageParseWarning(nint message, out nint gerror, out nint debug);

    [LibraryImport(Name, EntryPoint = "gst_message_parse_state_changed")]
    public static partial void MessageParseStateChanged(nint message, out GstState oldState, out GstState newState, out GstState pending);

    [LibraryImport(Name, EntryPoint = "gst_message_type_get_name")]
    public static partial nint MessageTypeGetName(GstMessageType type);

    // ---- caps and structures
    [LibraryImport(Name, EntryPoint = "gst_caps_from_string", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint CapsFromString(string caps);

    [LibraryImport(Name, EntryPoint = "gst_caps_to_string")]
    public static partial nint CapsToString(nint caps);

    [LibraryImport(Name, EntryPoint = "gst_caps_unref")]
    public static partial void CapsUnref(nint caps);

    [LibraryImport(Name, EntryPoint = "gst_caps_get_size")]
    public static partial uint CapsGetSize(nint caps);

    [LibraryImport(Name, EntryPoint = "gst_caps_get_structure")]
    public static partial nint CapsGetStructure(nint caps, uint index);

    [LibraryImport(Name, EntryPoint = "gst_structure_get_name")]
    public static partial nint StructureGetName(nint structure);

    [LibraryImport(Name, EntryPoint = "gst_structure_get_int", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StructureGetInt(nint structure, string field, out int value);

    [LibraryImport(Name, EntryPoint = "gst_structure_get_fraction", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int StructureGetFraction(nint structure, string field, out int numerator, out int denominator);

    [LibraryImport(Name, EntryPoint = "gst_structure_get_string", StringMarshalling = StringMarshalling.Utf8)]
    public static partial nint StructureGetString(nint structure, string field);

    [LibraryImport(Name, EntryPoint = "gst_structure_get_value", StringMarshalling = StringMarshalling.Utf8)]
    public static partial GValue* StructureGetValue(nint structure, string field);

    [LibraryImport(Name, EntryPoint = "gst_structure_to_string")]
    public static partial nint StructureToString(nint structure);

    // ---- promises
    [LibraryImport(Name, EntryPoint = "gst_promise_new_with_change_func")]
    public static partial nint PromiseNewWithChangeFunc(nint func, nint userData, nint notify);

    [LibraryImport(Name, EntryPoint = "gst_promise_wait")]
    public static partial GstPromiseResult PromiseWait(nint promise);

    [LibraryImport(Name, EntryPoint = "gst_promise_interrupt")]
    public static partial void PromiseInterrupt(nint promise);

    [LibraryImport(Name, EntryPoint = "gst_promise_get_reply")]
    public static partial nint PromiseGetReply(nint promise);

    // ---- samples and buffers
    [LibraryImport(Name, EntryPoint = "gst_sample_get_buffer")]
    public static partial nint SampleGetBuffer(nint sample);

    [LibraryImport(Name, EntryPoint = "gst_sample_get_caps")]
    public static partial nint SampleGetCaps(nint sample);

    [LibraryImport(Name, EntryPoint = "gst_buffer_new_allocate")]
    public static partial nint BufferNewAllocate(nint allocator, nuint size, nint allocationParams);

    [LibraryImport(Name, EntryPoint = "gst_buffer_new_wrapped_full")]
    public static partial nint BufferNewWrappedFull(int memoryFlags, nint data, nuint maxSize, nuint offset, nuint size, nint userData, nint notify);


    [LibraryImport(Name, EntryPoint = "gst_buffer_fill")]
    public static partial nuint BufferFill(nint buffer, nuint offset, byte* src, nuint size);

    [LibraryImport(Name, EntryPoint = "gst_buffer_get_size")]
    public static partial nuint BufferGetSize(nint buffer);

    [LibraryImport(Name, EntryPoint = "gst_buffer_map")]
    public static partial int BufferMap(nint buffer, GstMapInfo* info, GstMapFlags flags);

    [LibraryImport(Name, EntryPoint = "gst_buffer_unmap")]
    public static partial void BufferUnmap(nint buffer, GstMapInfo* info);
}
