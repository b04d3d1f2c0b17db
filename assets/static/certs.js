// Batch issuance of an exam session's certificates, page by page, with a
// progress bar: each call handles up to 50 passed attempts and returns the
// cursor of the next page.
(function () {
  'use strict';
  document.addEventListener('click', function (ev) {
    var btn = ev.target.closest('[data-batch-start]');
    if (!btn) { return; }
    var box = btn.closest('[data-batch-issue]');
    var bar = box.querySelector('[data-batch-progress]');
    var out = box.querySelector('[data-batch-result]');
    var refusedList = box.querySelector('[data-batch-refused]');
    var exam = box.dataset.batchIssue;
    var total = { processed: 0, issued: 0, existing: 0, refused: 0 };
    btn.disabled = true; bar.hidden = false; bar.removeAttribute('value'); refusedList.textContent = '';
    function page(after) {
      window.anpei.api('POST', '/api/v1/exams/' + exam + '/certificates?after=' + after + '&limit=50').then(function (r) {
        total.processed += r.processed; total.issued += r.issued; total.existing += r.existing; total.refused += r.refused.length;
        r.refused.forEach(function (x) {
          var li = document.createElement('li');
          li.textContent = '答卷 ' + x.attempt_id + '（人员编号 ' + x.person_id + '）：' + x.reason;
          refusedList.appendChild(li);
        });
        out.textContent = '已处理 ' + total.processed + ' 名合格考生：新颁发 ' + total.issued + ' 份，已有 ' + total.existing + ' 份，未颁发 ' + total.refused + ' 名';
        if (r.done) {
          bar.max = 1; bar.value = 1; btn.disabled = false;
          out.textContent += '。处理完毕。';
          return;
        }
        page(r.next);
      }, function (err) { btn.disabled = false; bar.hidden = true; out.textContent = err.message; });
    }
    page(0);
  });
})();
