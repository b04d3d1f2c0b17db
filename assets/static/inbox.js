// The inbox (消息): following an unread notice's link marks it read
// first, then opens the page; a failure to mark it still opens the page.
(function () {
  'use strict';
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest('a[data-read]');
    if (!a || ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) { return; }
    ev.preventDefault();
    var go = function () { location.href = a.getAttribute('href'); };
    window.anpei.api('POST', a.dataset.read).then(go, go);
  });
})();
