// One-line embedding of a live avatar:
//   <script src="http://HOST/embed.js" data-avatar="default" data-width="512"></script>
// Inserts, where the script tag is, an iframe showing HOST/embed.html (camera in, avatar out).
// Attributes: data-avatar (avatar id), data-width (px, default 512), data-height (px, default = width),
// data-self ("0" hides the small self view), data-probe, data-title, data-token (a join token, when the server
// requires one: npga token, or POST /admin/tokens, which returns this snippet with it).
(function () {
  var script = document.currentScript;
  if (!script) return;
  var host = new URL(script.src, location.href).origin;
  var d = script.dataset;
  var width = parseInt(d.width || '512', 10) || 512;
  var height = parseInt(d.height || String(width), 10) || width;
  var q = new URLSearchParams();
  if (d.avatar) q.set('avatar', d.avatar);
  if (d.self) q.set('self', d.self);
  if (d.probe) q.set('probe', d.probe);
  if (d.token) q.set('token', d.token);
  var frame = document.createElement('iframe');
  frame.src = host + '/embed.html' + (q.toString() ? '?' + q : '');
  frame.width = String(width);
  frame.height = String(height);
  frame.title = d.title || 'Live avatar';
  frame.allow = 'camera; autoplay; fullscreen';
  frame.setAttribute('allowfullscreen', '');
  frame.style.border = '0';
  frame.style.borderRadius = '12px';
  frame.style.background = '#000';
  frame.style.maxWidth = '100%';
  script.parentNode.insertBefore(frame, script.nextSibling);
})();
