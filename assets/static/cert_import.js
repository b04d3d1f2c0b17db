// Certificate import page: upload with a progress bar, a dry run that
// lists every problem by row and column, then the real import.
(function () {
  'use strict';
  var form = document.getElementById('ci-form');
  if (!form) { return; }
  var commit = document.getElementById('ci-commit');
  var bar = document.querySelector('#ci-progress .progress');
  var stage = document.getElementById('ci-stage');
  var busy = false;

  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ''; }

  function show(id, on) { document.getElementById(id).hidden = !on; }

  function progress(pct, text) {
    show('ci-progress', true);
    bar.firstElementChild.style.width = pct + '%';
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    stage.textContent = text;
  }

  function send(dry) {
    var file = form.file.files[0];
    if (!file) {
      render({ title: '请选择文件', summary: '请先选择要上传的证书登记文件（.xlsx）。', bad: true });
      return;
    }
    if (busy) { return; }
    busy = true;
    commit.disabled = true;
    var data = new FormData();
    data.append('file', file);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', '/api/v1/external-certificates/import' + (dry ? '?dry_run=1' : ''));
    xhr.setRequestHeader('X-CSRF-Token', csrf());
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { progress(e.loaded * 90 / e.total, '正在上传… ' + Math.round(e.loaded * 100 / e.total) + '%'); }
    };
    xhr.upload.onload = function () { progress(92, dry ? '上传完成，正在逐行检查…' : '上传完成，正在登记…'); };
    xhr.onload = function () {
      busy = false;
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      progress(100, '完成');
      if (xhr.status === 200 && body && !body.error) {
        render({
          title: dry ? '预检通过' : '登记完成',
          summary: dry ? '文件无错误，共 ' + body.rows + ' 行，将登记 ' + body.created + ' 本证书。请点击“确认登记”。'
            : '已登记 ' + body.created + ' 本证书，状态为“未核验”。',
          done: !dry
        });
        commit.disabled = !dry;
        return;
      }
      var err = (body && body.error) || { message: '上传失败（' + xhr.status + '），请稍后重试' };
      render({ title: dry ? '文件有错误' : '文件有错误，未登记任何证书', summary: err.message, details: err.details, bad: true });
    };
    xhr.onerror = function () {
      busy = false;
      render({ title: '上传失败', summary: '网络连接失败，请检查网络后重试。', bad: true });
    };
    progress(0, '正在上传…');
    xhr.send(data);
  }

  function render(r) {
    show('ci-result', true);
    var title = document.getElementById('ci-title');
    title.textContent = r.title;
    title.className = r.bad ? 'text-bad' : 'text-ok';
    document.getElementById('ci-summary').textContent = r.summary;
    show('ci-next', !!r.done);
    var tbody = document.getElementById('ci-errors');
    tbody.textContent = '';
    (r.details || []).forEach(function (d) {
      var tr = document.createElement('tr');
      [d.row ? String(d.row) : '', d.column || d.field || '', d.message].forEach(function (v, i) {
        var td = document.createElement('td'); td.textContent = v; if (i === 0) { td.className = 'num'; } tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    show('ci-errors-wrap', (r.details || []).length > 0);
    document.getElementById('ci-result').scrollIntoView({ block: 'start' });
  }

  form.addEventListener('submit', function (ev) { ev.preventDefault(); send(true); });
  commit.addEventListener('click', function () { send(false); });
  form.file.addEventListener('change', function () { commit.disabled = true; show('ci-result', false); });
})();
