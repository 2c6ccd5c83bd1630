@echo off
rem keel local operations on Windows: platform up, down, ps, logs, kill, restart, reset, encrypt, bench.
rem The launcher is Java (launcher\, JDK only): compiled with javac when missing or older than its sources, then run.
rem Processes are stopped without a graceful drain on Windows (no SIGTERM).
setlocal
set "ROOT=%~dp0"
set "ROOT=%ROOT:~0,-1%"
set "SOURCES=%ROOT%\launcher\src\main\java"
set "CLASSES=%ROOT%\launcher\target\platform"
where java >nul 2>nul || (echo platform: java not found: install JDK 17 or newer 1>&2 & exit /b 1)
set "STALE=1"
if exist "%CLASSES%\.built" (
  powershell -NoProfile -Command "$built = (Get-Item '%CLASSES%\.built').LastWriteTime; if (Get-ChildItem -Recurse -File '%SOURCES%' | Where-Object { $_.LastWriteTime -gt $built }) { exit 1 } else { exit 0 }"
  if not errorlevel 1 set "STALE=0"
)
if "%STALE%"=="1" (
  where javac >nul 2>nul || (echo platform: javac not found: install a JDK, not only a JRE 1>&2 & exit /b 1)
  if exist "%CLASSES%" rmdir /s /q "%CLASSES%"
  mkdir "%CLASSES%"
  javac --release 17 -encoding UTF-8 -nowarn -implicit:class -sourcepath "%SOURCES%" -d "%CLASSES%" "%SOURCES%\dev\keel\launcher\Launcher.java" || exit /b 1
  type nul > "%CLASSES%\.built"
)
java -Dkeel.root="%ROOT%" -cp "%CLASSES%" dev.keel.launcher.Launcher %*
exit /b %ERRORLEVEL%
