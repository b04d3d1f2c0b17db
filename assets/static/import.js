// Roster import page: upload with a progress bar, a dry run that lists
// every problem by row and column, then the real import.
(function () {
  'use strict';
  var form = document.getElementById('import-form');
  if (!form) { return; }
  var commit = document.getElementById('i-commit');
  var bar = document.querySelector('#i-progress .progress');
  var stage = document.getElementById('i-stage');

  function csrf() { var m = document.querySelector('meta[name="csrf-token"]'); return m ? m.content : ''; }

  function show(id, on) { document.getElementById(id).hidden = !on; }

  function progress(pct, text) {
    show('i-progress', true);
    bar.firstElementChild.style.width = pct + '%';
    bar.setAttribute('aria-valuenow', String(Math.round(pct)));
    stage.textContent = text;
  }

  function send(dry) {
    var file = form.file.files[0];
    if (!file) {
      render({ title: '请选择文件', summary: '请先选择要上传的名单文件（.xlsx）。', bad: true });
      return;
    }
    var data = new FormData();
    data.append('file', file);
    var url = '/api/v1/people/import?enterprise_id=' + encodeURIComponent(form.enterprise_id.value) + (dry ? '&dry_run=1' : '');
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('X-CSRF-Token', csrf());
    // The server streams one JSON line per 500 rows checked, then the result.
    xhr.setRequestHeader('Accept', 'application/x-ndjson, application/json');
    var seen = 0;
    var last = null;
    function readLines() {
      var text = xhr.responseText;
      var end = text.lastIndexOf('\n');
      if (end < seen) { return; }
      text.slice(seen, end).split('\n').forEach(function (line) {
        if (!line) { return; }
        try { last = JSON.parse(line); } catch (e) { return; }
        if (last.total) {
          progress(92 + 8 * last.done / last.total, (dry ? '正在逐行检查：' : '正在写入：') + last.done + ' / ' + last.total + ' 行');
        }
      });
      seen = end + 1;
    }
    xhr.onprogress = readLines;
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { progress(e.loaded * 90 / e.total, '正在上传… ' + Math.round(e.loaded * 100 / e.total) + '%'); }
    };
    xhr.upload.onload = function () { progress(92, dry ? '上传完成，正在逐行检查…' : '上传完成，正在写入…'); };
    xhr.onload = function () {
      var body = null;
      if (xhr.status === 200 && /ndjson/.test(xhr.getResponseHeader('Content-Type') || '')) {
        readLines();
        body = last && last.result ? last.result : { error: (last && last.error) || { message: '导入结果不完整，请刷新页面后查看人员名单' } };
      } else {
        try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      }
      progress(100, '完成');
      if (body && !body.error && xhr.status === 200) {
        var n = body.created + body.updated + body.unchanged;
        render({
          title: dry ? '预检通过' : '导入完成',
          summary: (dry ? '文件无错误，共 ' + n + ' 人：将新增 ' : '共 ' + n + ' 人：新增 ') + body.created + ' 人，更新 ' + body.updated + ' 人，无变化 ' + body.unchanged + ' 人。' + (dry ? '请点击“确认导入”。' : ''),
          missing: body.missing
        });
        commit.disabled = !dry;
        return;
      }
      var err = (body && body.error) || { message: '上传失败（' + xhr.status + '），请稍后重试' };
      commit.disabled = true;
      render({ title: '文件有错误，未导入任何数据', summary: err.message, details: err.details, bad: true });
    };
    xhr.onerror = function () { render({ title: '上传失败', summary: '网络连接失败，请检查网络后重试。', bad: true }); };
    progress(0, '正在上传…');
    xhr.send(data);
  }

  function render(r) {
    show('i-result', true);
    var title = document.getElementById('i-title');
    title.textContent = r.title;
    title.className = r.bad ? 'text-bad' : 'text-ok';
    document.getElementById('i-summary').textContent = r.summary;
    var tbody = document.getElementById('i-errors');
    tbody.textContent = '';
    (r.details || []).forEach(function (d) {
      var tr = document.createElement('tr');
      [d.row ? String(d.row) : '', d.column || d.field || '', d.message].forEach(function (v, i) {
        var td = document.createElement('td'); td.textContent = v; if (i === 0) { td.className = 'num'; } tr.appendChild(td);
      });
      tbody.appendChild(tr);
    });
    show('i-errors-wrap', (r.details || []).length > 0);
    var ul = document.getElementById('i-missing');
    ul.textContent = '';
    (r.missing || []).forEach(function (p) {
      var li = document.createElement('li');
      var a = document.createElement('a'); a.href = '/people/' + p.id; a.textContent = p.name + '（' + p.id_masked + '）';
      li.appendChild(a); ul.appendChild(li);
    });
    show('i-missing-wrap', (r.missing || []).length > 0);
    document.getElementById('i-result').scrollIntoView({ block: 'start' });
  }

  form.addEventListener('submit', function (ev) { ev.preventDefault(); send(true); });
  commit.addEventListener('click', function () { send(false); });
  form.file.addEventListener('change', function () { commit.disabled = true; });
})();
