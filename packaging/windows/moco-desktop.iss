; Inno Setup 6.3+ script: MOCO-Desktop-Setup-<version>.exe, a per-user installer (no admin
; rights) for the one-folder build in dist\MOCO Desktop\.
;
;   packaging/build            (on Windows: builds the bundle, then runs ISCC with the defines)
;   ISCC /DAppVersion=1.2.3 /DAppVersionNumeric=1.2.3.0 /DBundleDir=... /DPackageDir=... this.iss
;
; Signing: packaging/build adds /DSign and /Smocosign=... (packaging/windows/sign.ps1) when the
; WINDOWS_CERTIFICATE_PFX_BASE64 secret is present; Setup.exe and the uninstaller are then signed.
;
; "Start at login" writes the same value the app's own setting writes
; (moco_desktop/system/autostart.py): "MOCO Desktop" under HKCU\...\Run. The uninstaller removes
; that value however it was written, and stops a running MOCO Desktop first.

#ifndef AppVersion
  #error Pass /DAppVersion=<version> (packaging/build does)
#endif
#ifndef AppVersionNumeric
  #define AppVersionNumeric "0.0.0.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\MOCO Desktop"
#endif
#ifndef PackageDir
  #define PackageDir "..\..\dist"
#endif

#define AppName "MOCO Desktop"
#define AppExe "MOCO Desktop.exe"
#define RunKey "Software\Microsoft\Windows\CurrentVersion\Run"

[Setup]
; AppId identifies the installation for upgrades and the uninstaller: never change it.
AppId={{6F1C2B1E-5A7D-4C8E-9B0F-3D2E4A6C8B10}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=MOCO Desktop contributors
VersionInfoVersion={#AppVersionNumeric}
VersionInfoProductName={#AppName}
VersionInfoDescription={#AppName} Setup
; Per user: %LOCALAPPDATA%\Programs\MOCO Desktop, Start Menu of this user, HKCU only.
PrivilegesRequired=lowest
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
UsePreviousTasks=yes
OutputDir={#PackageDir}
OutputBaseFilename=MOCO-Desktop-Setup-{#AppVersion}
SetupIconFile=..\..\resources\icons\app.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName}
WizardStyle=modern
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
; Qt 6.10+ needs Windows 10 1809 or later.
MinVersion=10.0.17763
CloseApplications=yes
RestartApplications=no
#ifdef Sign
SignTool=mocosign
SignedUninstaller=yes
#endif

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
Name: "de"; MessagesFile: "compiler:Languages\German.isl"

[CustomMessages]
en.StartAtLogin=Start {#AppName} when I sign in to Windows
de.StartAtLogin={#AppName} bei der Anmeldung an Windows starten
en.StartupGroup=Start-up:
de.StartupGroup=Autostart:

[Tasks]
Name: "startatlogin"; Description: "{cm:StartAtLogin}"; GroupDescription: "{cm:StartupGroup}"
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the whole bundle: no stale libraries from an older version stay behind.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "{#AppName}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Registry]
Root: HKCU; Subkey: "{#RunKey}"; ValueType: string; ValueName: "{#AppName}"; ValueData: """{app}\{#AppExe}"" --autostart"; Flags: uninsdeletevalue; Tasks: startatlogin

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

[UninstallRun]
; The tray app keeps running in the background: stop it before its files are removed.
Filename: "{sys}\taskkill.exe"; Parameters: "/F /IM ""{#AppExe}"""; Flags: runhidden; RunOnceId: "StopMocoDesktop"

[UninstallDelete]
Type: filesandordirs; Name: "{app}"

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  { The app's own "start at login" setting may have written the value even if the install task
    was not chosen: remove it in any case, so nothing points at the deleted program. }
  if CurUninstallStep = usPostUninstall then
    RegDeleteValue(HKEY_CURRENT_USER, '{#RunKey}', '{#AppName}');
end;
